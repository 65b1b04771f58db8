"""个人信息 people (PIPL): erasure by person; the key store's reaction to it."""

from api.people import PeopleController
from domain.people import Person
from qihui.contexts.base import Context
from service.personal import ErasureReaction

CONTEXT = Context(
    name="people", label="个人信息", aggregates=(Person,),
    views=lambda needs: (ErasureReaction(needs.keys),), controllers=(PeopleController,),
)
