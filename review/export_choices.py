"""What the Export page offers to filter by: the sources, tasks and model versions that exist."""

from dataclasses import dataclass

from sqlalchemy import Engine

from review.actors import Actor
from review.permissions import Permission, require
from storage.engine import reading
from storage.repositories.item_scopes import list_item_scopes


@dataclass(frozen=True)
class ExportChoices:
    """Known values, each sorted, for the export filters' select boxes."""

    sources: list[str]
    tasks: list[str]
    model_versions: list[str]


def export_choices(engine: Engine, actor: Actor) -> ExportChoices:
    """The sources, tasks and model versions of stored items, for someone allowed to export."""
    require(actor, Permission.EXPORT)
    with reading(engine) as session:
        return ExportChoices(*list_item_scopes(session=session))
