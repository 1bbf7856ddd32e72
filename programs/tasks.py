"""Where Celery's autodiscovery finds the programs' tasks: each room keeps its own
(programs.intake.tasks, programs.rounds.tasks)."""

from programs.intake.tasks import check_and_save, check_upload, import_roster, save_upload
from programs.rounds.tasks import save_round

__all__ = ["check_and_save", "check_upload", "import_roster", "save_round", "save_upload"]
