"""Video gait analysis: ``analyze_video`` (library, tools.gait.analyze) and the
``analyze_run_video`` tool (tools.gait.tool)."""
