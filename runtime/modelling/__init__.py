"""Modelling aids that run a definition without storing anything: token simulation of a
draft (`simulation`) and what-if replay of recorded instances against it (`replay`,
`whatif`). Everything here goes through the pure `runtime.core.step.step`, so what it shows
is what the engine would do."""
