"""Running scenarios: the runner, the adapters (the only place that knows both the
connector's ports and the world), saved traces, the shell lab's world.
"""
