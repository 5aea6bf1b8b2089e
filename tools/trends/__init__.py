"""Trends over a runner's history: per-activity metrics, training load and change detection."""
