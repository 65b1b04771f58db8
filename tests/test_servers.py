"""The suite's real servers start and answer."""

import psycopg


def test_postgres_server_answers(postgres):
    with psycopg.connect(postgres.conninfo()) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
