"""A focal point signed in, with a case of their delegation."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hrd_cases.records import RecordVault
from tests.support.app import AuthActions
from tests.support.attachments import Setup
from tests.support.factories import make_case, make_user


@pytest.fixture
def focal(db: Session, vault: RecordVault, client: FlaskClient, auth: AuthActions) -> Setup:
    user = make_user(db)
    case = make_case(db, vault, delegation=user.delegation, actor=user)
    assert auth.login(user.email).status_code == 302
    return Setup(user, case, client)
