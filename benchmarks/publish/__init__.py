"""Layer 9, publish: tables, plots, the report content and its Markdown and HTML renderings."""
