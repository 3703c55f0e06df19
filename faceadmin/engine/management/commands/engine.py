"""`manage.py engine createkey|listkeys|revokekey`: the embedded engine's subscription keys.

Plain database work, so it is safe while the server runs: a new key works on the next
request and a revoked one fails on the next request.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from faceadmin.engine.accounts import (
    AccountNotFound,
    account_create,
    account_list,
    account_revoke,
    masked_key,
)


class Command(BaseCommand):
    help = (
        "Embedded engine keys: `createkey --name NAME [--api azure|findface]`, `listkeys`, "
        "`revokekey ACCOUNT`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("createkey", help="create an account and print its new key")
        create.add_argument("--name", required=True, help="a label for the account")
        create.add_argument(
            "--api",
            choices=("azure", "findface"),
            default="azure",
            help="azure: a subscription key for /face/v1.0/; findface: a token for /findface/v1/",
        )
        sub.add_parser("listkeys", help="list accounts with masked keys")
        revoke = sub.add_parser("revokekey", help="revoke an account's key")
        revoke.add_argument("account", help="account id or name")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "createkey":
            name = options["name"].strip()
            if not name or len(name) > 128:
                raise CommandError("--name must be 1 to 128 characters.")
            if options["api"] == "findface":
                from faceadmin.engine.findface.accounts import token_account_create

                token_account, key = token_account_create(name=name)
                account_id = token_account.pk
            else:
                azure_account, key = account_create(name=name)
                account_id = azure_account.pk
            self.stdout.write(f"account {account_id}")
            # The key alone on the last line, so scripts can take `tail -n 1`.
            self.stdout.write(key)
        elif action == "listkeys":
            self.stdout.write(f"{'NAME':<24} {'ACCOUNT':<36} {'CREATED':<20} {'KEY':<32} STATUS")
            for account in account_list():
                status = "revoked" if account.revoked_at else "active"
                created = account.created.strftime("%Y-%m-%d %H:%M:%S")
                self.stdout.write(
                    f"{account.name:<24} {account.pk!s:<36} {created:<20} "
                    f"{masked_key(account):<32} {status}"
                )
        elif action == "revokekey":
            try:
                account = account_revoke(account=options["account"])
            except AccountNotFound as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Revoked the key of account {account.pk} ({account.name}).")
