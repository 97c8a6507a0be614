"""The plan: its model and the loading and validation of plan_data/plan.yaml."""

from qdocgen.plan.model import KINDS, District, GoalCell, Measure, Merge, Plan, Row, Target

__all__ = ["KINDS", "District", "GoalCell", "Measure", "Merge", "Plan", "Row", "Target"]
