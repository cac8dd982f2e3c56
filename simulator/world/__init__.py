"""The world: the simulated clock, Active Directory, the Windows hosts, the network, the
fault timeline and the trace they write into, with the Exchange organisation
(`simulator.exchange`) and the Intune service (`simulator.intune`) beside them; built
(`world.World`) from the world's own configuration types (`config/`). The world imports
nothing of the scenario language, the runner or the connector.

Deliberately empty: importing a configuration type must not build (or import) the world.
"""
