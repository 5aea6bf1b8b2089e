"""Each structured session of a plan as a FIT workout file (``fit-tool``, a library made for the
FIT protocol) that a Garmin watch loads from its ``GARMIN/NewFiles`` folder or through Garmin
Connect: a ``file_id`` of type workout, a ``workout`` (running) and its ``workout_step``s with
distance or time and a speed or heart-rate target (FIT keeps a custom heart rate as bpm + 100).
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.workout_message import WorkoutMessage
from fit_tool.profile.messages.workout_step_message import WorkoutStepMessage
from fit_tool.profile.profile_type import (
    FileType,
    Intensity,
    Manufacturer,
    Sport,
    WorkoutStepDuration,
    WorkoutStepTarget,
)

from tools.plans.model import Plan, Session
from tools.plans.workout import Repeat, Step, Workout, workout_of

#: FIT writes a custom heart-rate target as bpm + 100 (0-100 would be % of max).
HR_OFFSET = 100
INTENSITY = {
    "warmup": Intensity.WARMUP,
    "active": Intensity.ACTIVE,
    "interval": Intensity.INTERVAL,
    "recovery": Intensity.RECOVERY,
    "cooldown": Intensity.COOLDOWN,
}


def _step(index: int, step: Step | Repeat) -> WorkoutStepMessage:
    message = WorkoutStepMessage()
    message.message_index = index
    if isinstance(step, Repeat):
        message.duration_type = WorkoutStepDuration.REPEAT_UNTIL_STEPS_CMPLT
        message.duration_step = step.first
        message.target_type = WorkoutStepTarget.OPEN
        message.target_repeat_steps = step.times
        return message
    message.workout_step_name = step.name
    message.intensity = INTENSITY[step.intensity]
    if step.metres is not None:
        message.duration_type = WorkoutStepDuration.DISTANCE
        message.duration_distance = round(step.metres)
    elif step.seconds is not None:
        message.duration_type = WorkoutStepDuration.TIME
        message.duration_time = float(step.seconds)
    else:
        message.duration_type = WorkoutStepDuration.OPEN
        message.duration_value = 0
    if step.speed_ms is not None:
        message.target_type = WorkoutStepTarget.SPEED
        message.target_value = 0  # a custom range, not a zone
        message.custom_target_speed_low = round(step.speed_ms[0], 3)
        message.custom_target_speed_high = round(step.speed_ms[1], 3)
    elif step.hr_bpm is not None:
        message.target_type = WorkoutStepTarget.HEART_RATE
        message.target_value = 0
        message.custom_target_heart_rate_low = round(step.hr_bpm[0]) + HR_OFFSET
        message.custom_target_heart_rate_high = round(step.hr_bpm[1]) + HR_OFFSET
    else:
        message.target_type = WorkoutStepTarget.OPEN
        message.target_value = 0
    return message


def workout_bytes(workout: Workout, created: datetime | None = None) -> bytes:
    """One workout as the bytes of a FIT file."""
    created = created or datetime.now(UTC)
    file_id = FileIdMessage()
    file_id.type = FileType.WORKOUT
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.time_created = round(created.timestamp() * 1000)
    file_id.serial_number = 0x0C0AC4
    steps = [_step(i, step) for i, step in enumerate(workout.steps)]
    head = WorkoutMessage()
    head.workout_name = workout.name
    head.sport = Sport.RUNNING
    head.num_valid_steps = len(steps)
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    builder.add(file_id)
    builder.add(head)
    builder.add_all(steps)
    return builder.build().to_bytes()


def file_name(session: Session) -> str:
    return f"{session.day.isoformat()}_{session.type}.fit"


def plan_workouts(plan: Plan) -> list[tuple[str, bytes]]:
    """Every run of the plan as (file name, FIT bytes), in day order."""
    out = []
    for session in plan.sessions:
        workout = workout_of(session)
        if workout is not None:
            out.append((file_name(session), workout_bytes(workout)))
    return out


def write_fit(plan: Plan, folder: Path) -> list[Path]:
    """Write each run of ``plan`` as a FIT workout into ``folder`` (created); the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in plan_workouts(plan):
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def fit_zip(plan: Plan) -> bytes:
    """The plan's FIT workouts in one zip (for a download)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in plan_workouts(plan):
            archive.writestr(name, data)
    return buffer.getvalue()
