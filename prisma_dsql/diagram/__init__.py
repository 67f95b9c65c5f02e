"""Pictures of a schema: an ER diagram of its models, enums and relations.

    from prisma_dsql.diagram import er, mermaid, svg
    diagram = er.build(schema)          # what to draw, in Prisma terms
    mermaid.render(diagram)             # a Mermaid `erDiagram` (Markdown, GitHub)
    svg.render(diagram)                 # an SVG laid out and drawn here (no browser, no network)
    svg.page(diagram, title)            # that SVG in a self-contained HTML page

Every output is deterministic (same schema, same bytes) and escapes every name it draws.
"""
