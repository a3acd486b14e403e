"""(A package only so that its tests/ gets a unique module name under pytest.)"""
