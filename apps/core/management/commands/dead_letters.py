"""Show and re-drive the dead-letter queues of the Celery queues.

manage.py dead_letters                      # how many messages wait in each dead-letter queue
manage.py dead_letters show audit-logger    # the first messages of one, left in place
manage.py dead_letters redrive audit-logger [--limit N]   # back to the queue, to be processed again
"""

from django.core.management.base import BaseCommand, CommandError

from apps.core import queues


class Command(BaseCommand):
    help = "Show or re-drive the dead-letter queues of the background work (SQS)."

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", choices=["list", "show", "redrive"], default="list")
        parser.add_argument("queue", nargs="?", help=f"one of: {', '.join(queues.short_names())}")
        parser.add_argument("--limit", type=int, default=None, help="at most this many messages")

    def handle(self, *args, action, queue, limit, **options):
        if action == "list":
            for name, count in queues.dead_letter_counts().items():
                self.stdout.write(f"{name}{queues.DLQ_SUFFIX}: {count}")
            return
        if not queue:
            raise CommandError(f"Name the queue: one of {', '.join(queues.short_names())}.")
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        try:
            queues.resolve(queue)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if action == "show":
            letters = queues.dead_letters_peek(queue, limit=limit or 10)
            if not letters:
                self.stdout.write("No messages.")
            for letter in letters:
                self.stdout.write(
                    f"{letter.message_id}  task={letter.task}  received={letter.receive_count}  sent={letter.sent_at}\n"
                    f"    {letter.excerpt}"
                )
            return
        moved = queues.dead_letters_redrive(
            queue, limit=limit, progress=lambda n: self.stdout.write(f"\rmoved {n}", ending="") if n % 10 == 0 else None
        )
        self.stdout.write(self.style.SUCCESS(f"\nMoved {moved} message(s) back to {queue}."))
