"""`manage.py engine createkey|listkeys|revokekey`: the embedded engine's subscription keys.

Plain database work, so it is safe while the server runs: a new key works on the next
request and a revoked one fails on the next request.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from faceadmin.engine.keys import APIS, KeyNotFound, key_create, key_list, key_revoke


class Command(BaseCommand):
    help = (
        "Embedded engine keys: `createkey --name NAME [--api azure|findface]`, `listkeys`, "
        "`revokekey ACCOUNT [--api azure|findface]`. Both kinds of key are listed and revocable."
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
        listing = sub.add_parser("listkeys", help="list both kinds of key, masked")
        listing.add_argument("--api", choices=APIS, help="only keys of this API")
        revoke = sub.add_parser("revokekey", help="revoke a key (subscription key or token)")
        revoke.add_argument("account", help="account id or name")
        revoke.add_argument("--api", choices=APIS, help="look only among keys of this API")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "createkey":
            name = options["name"].strip()
            if not name or len(name) > 128:
                raise CommandError("--name must be 1 to 128 characters.")
            account_id, key = key_create(name=name, api=options["api"])
            self.stdout.write(f"account {account_id}")
            # The key alone on the last line, so scripts can take `tail -n 1`.
            self.stdout.write(key)
        elif action == "listkeys":
            self.stdout.write(
                f"{'API':<9} {'NAME':<24} {'ACCOUNT':<36} {'CREATED':<20} {'KEY':<32} STATUS"
            )
            for listed in key_list(api=options.get("api")):
                created = listed.created.strftime("%Y-%m-%d %H:%M:%S")
                self.stdout.write(
                    f"{listed.api:<9} {listed.name:<24} {listed.account_id!s:<36} {created:<20} "
                    f"{listed.masked:<32} {listed.status}"
                )
        elif action == "revokekey":
            try:
                revoked = key_revoke(account=options["account"], api=options.get("api"))
            except KeyNotFound as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"Revoked the {revoked.api} key of account {revoked.account_id} ({revoked.name})."
            )
