"""Word templates: Jinja in the body, headers, footers and document properties (docxtpl's tag
language), charts bound to the context's lists, data-driven merges, and the GB/T 9704 layout.

The package, by concern:
- `tags`: Jinja's whitespace control in a Word part, before docxtpl reads it;
- `places`: where in a Word part a mistake is, as the user finds it (段, 表格, 行, 列, 页眉, 脚注);
- `engine`: `PreparedDocx`, a template read, cleaned up and compiled once, rendered per document;
- `fast`: the fast path, rendering only the parts that hold Jinja into the template's package;
- `charts`, `chart_part`: the chart tags and the data they bind, and a chart part filled with it;
- `merge`: `MergingDocx`, with `{%vmerge %}`/`{%hmerge %}` merges that follow the data in tables;
- `gbt9704`, `ooxml`: the GB/T 9704 profile stamped onto a template's page, styles and settings.

What the Excel engine (render/xlsx/) shares with this one stays in render/: the Jinja environment
(jinja_env), error places and explanations (locate, explain), package writing (package). Nothing is
imported here, so that a module of the package loads only what it needs (a fingerprint of a build
needs no Word engine).
"""
