"""Handlers of the data-safety commands (declared in scraped/api/data.py); the db.*
commands are in scraped/ops/db_commands.py."""

from __future__ import annotations

from typing import Any

from scraped import errors
from scraped.dispatch import Handler, Request
from scraped.ops.archive import check_name


def handlers(data: Any) -> dict[str, Handler]:
    async def backup_run(req: Request) -> dict[str, Any]:
        return await data.backup("manual")

    async def backup_list(req: Request) -> dict[str, Any]:
        return await data.backups.list()

    async def backup_verify(req: Request) -> dict[str, Any]:
        return await data.verify(check_name(req.args["name"]))

    async def restore(req: Request) -> dict[str, Any]:
        name = check_name(req.args["name"])
        if req.args.get("yes") is not True:
            raise errors.BadRequest(f"restore replaces ALL current data with {name}; "
                                    "add --yes to confirm (a safety backup is taken first)")
        return await data.restore(name)

    return {"backup.run": backup_run, "backup.list": backup_list, "backup.verify": backup_verify,
            "restore": restore}
