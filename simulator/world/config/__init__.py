"""The world's own configuration types: what the world is built from (`world/config/world.py`
`WorldSpec`), one module per part. The scenario language embeds them; they import nothing of
it."""
