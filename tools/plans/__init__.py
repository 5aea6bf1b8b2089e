"""Training plans: the next weeks of running planned from the athlete's own recent runs, every
session bounded by rules with their sources (see :mod:`tools.plans.rules`)."""
