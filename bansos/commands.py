"""What the office's management commands share.

    class Command(OneLineRefusal, BaseCommand): ...

A command run from a shell that refuses (a file it cannot use, an unknown programme) prints the
reason alone, one line in the user's language, on stderr, and exits with 1: not Django's
"CommandError: ..." prefix. Progress and results go to stdout. Called from code (call_command,
the tests), the CommandError is raised as usual.
"""

import sys

from django.core.management.base import CommandError


class OneLineRefusal:
    def run_from_argv(self, argv):
        self._from_shell = True
        return super().run_from_argv(argv)

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except CommandError as refused:
            if not getattr(self, "_from_shell", False) or options.get("traceback"):
                raise
            self.stderr.write(str(refused))
            sys.exit(refused.returncode)
