"""Register and MUD imports: the documented layouts, matching by partita IVA or codice fiscale, all-or-nothing
rejection with every bad row named, and re-imports that change nothing; through the API and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import text

from api.territory.demo import _vat
from api.territory.errors import ImportProblem
from tests.helpers import assert_problem

ADMIN = "admin@cartesio.example"
DATA = Path(__file__).parent / "data"
REGISTER = "/api/v1/territory/imports/registro-imprese"
MUD = "/api/v1/territory/imports/mud"
MUD_HEADER = "partita_iva;codice_fiscale;ragione_sociale;anno;codice_eer;quantita;unita_misura;attivita;provincia\n"


def fresh_vat() -> str:
    """A valid partita IVA no other test uses (office code 000: never issued)."""
    return _vat(int(uuid.uuid4().int % 8_000_000) + 100_000)


def upload(client, auth, url, body: str, who: str = ADMIN, name: str = "file.csv"):
    return client.post(url, headers=auth(who) if who else {}, files={"file": (name, body.encode(), "text/csv")})


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(text(
            "SELECT (SELECT count(*) FROM waste_declarations), (SELECT count(*) FROM organizations), "
            "(SELECT coalesce(sum(quantity_g), 0) FROM waste_declarations)")).one())


class TestSampleFiles:
    def test_samples_import_and_reimport_changes_nothing(self, client, auth, engine):
        register = (DATA / "registro_imprese_sample.csv").read_text()
        mud = (DATA / "mud_sample.csv").read_text()
        first = upload(client, auth, REGISTER, register)
        assert first.status_code == 201, first.text
        assert first.json()["rows"] == 3
        body = upload(client, auth, MUD, mud)
        assert body.status_code == 201, body.text
        before = counts(engine)
        again = upload(client, auth, MUD, mud)
        assert again.status_code == 201
        assert (again.json()["inserted"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 5)
        assert again.json()["organizations_created"] == 0
        assert counts(engine) == before
        with engine.connect() as conn:
            grams = conn.execute(text(
                "SELECT d.quantity_g FROM waste_declarations d JOIN organizations o ON o.id = d.organization_id "
                "WHERE o.vat_number = '10000000009' AND d.ewc_code = '040222' AND d.year = 2023")).scalar_one()
        assert grams == 12_500_000  # 12,5 t written with a decimal comma


class TestMatching:
    def test_rows_match_by_vat_and_by_tax_code_and_create_missing(self, client, auth, engine):
        vat = fresh_vat()
        org = client.post("/api/v1/organizations", headers=auth(ADMIN), json={
            "name": "Ditta già registrata", "kind": "enterprise", "country": "IT", "vat_number": vat}).json()
        other = fresh_vat()
        body = (MUD_HEADER + f"{vat};;Altro nome;2023;150101;10;t;prodotto;MI\n"
                + f";{vat};Altro nome;2023;150102;4;t;prodotto;MI\n"
                + f"{other};;Ditta nuova;2023;150101;2;t;prodotto;BS\n")
        answer = upload(client, auth, MUD, body)
        assert answer.status_code == 201, answer.text
        assert answer.json()["organizations_created"] == 1
        with engine.connect() as conn:
            mine = conn.execute(text("SELECT count(*) FROM waste_declarations WHERE organization_id = :o"),
                                {"o": org["id"]}).scalar_one()
            created = conn.execute(text("SELECT name, province, region_code FROM organizations "
                                        "WHERE vat_number = :v"), {"v": other}).one()
        assert mine == 2  # the codice fiscale equal to the partita IVA finds the same firm
        assert tuple(created) == ("Ditta nuova", "BS", "ITC47")
        assert client.get(f"/api/v1/organizations/{org['id']}").json()["name"] == "Ditta già registrata"

    def test_a_changed_quantity_is_updated_not_duplicated(self, client, auth, engine):
        vat = fresh_vat()
        row = MUD_HEADER + f"{vat};;Ditta;2022;150101;{{q}};t;prodotto;MI\n"
        assert upload(client, auth, MUD, row.format(q="1")).json()["inserted"] == 1
        second = upload(client, auth, MUD, row.format(q="2")).json()
        assert (second["inserted"], second["updated"]) == (0, 1)


class TestBadInput:
    def test_bad_rows_are_named_and_nothing_is_applied(self, client, auth, engine):
        before = counts(engine)
        good = fresh_vat()
        body = (MUD_HEADER + f"{good};;Ditta;2023;150101;1;t;prodotto;MI\n"
                + "12345678901;;Ditta;2023;150101;1;t;prodotto;MI\n"
                + f"{good};;Ditta;2999;150101;1;t;prodotto;MI\n"
                + f"{good};;Ditta;2023;999999;1;t;prodotto;MI\n"
                + f"{good};;Ditta;2023;150102;-3;t;prodotto;MI\n"
                + f"{good};;Ditta;2023;150102;3;litri;prodotto;MI\n"
                + f"{good};;Ditta;2023;150104*;3;t;prodotto;MI\n")
        answer = upload(client, auth, MUD, body)
        assert_problem(answer, 422)
        rows = [(r["line"], r["column"]) for r in answer.json()["rows"]]
        assert rows == [(3, "partita_iva"), (4, "anno"), (5, "codice_eer"), (6, "quantita"), (7, "unita_misura"),
                        (8, "codice_eer")]
        assert answer.json()["error_count"] == 6
        ImportProblem.model_validate(answer.json())  # the documented shape of the answer
        reasons = " ".join(r["reason"] for r in answer.json()["rows"])
        assert "future" in reasons and "negative" in reasons and "not in the European Waste Catalogue" in reasons
        assert counts(engine) == before

    def test_a_nul_character_is_named_by_line_and_column(self, client, auth, engine):
        before = counts(engine)
        good = fresh_vat()
        body = (MUD_HEADER + f"{good};;Ditta;2023;150101;1;t;prodotto;MI\n"
                + f"{good};;Ditta\x00nascosta;2023;150102;1;t;prodotto;MI\n")
        answer = upload(client, auth, MUD, body)
        assert_problem(answer, 422)
        assert [(r["line"], r["column"]) for r in answer.json()["rows"]] == [(3, "ragione_sociale")]
        assert "NUL" in answer.json()["rows"][0]["reason"]
        assert counts(engine) == before

    def test_the_file_name_is_kept_as_a_printable_label(self, client, auth):
        body = MUD_HEADER + f"{fresh_vat()};;Ditta;2023;150101;1;t;prodotto;MI\n"
        answer = upload(client, auth, MUD, body, name="mud\x00\x1b" + "x" * 400 + ".csv")
        assert answer.status_code == 201, answer.text
        label = answer.json()["filename"]
        assert label.startswith("mud") and len(label) == 300 and label.isprintable()

    def test_the_same_declaration_twice_is_rejected(self, client, auth, engine):
        before = counts(engine)
        vat = fresh_vat()
        body = MUD_HEADER + f"{vat};;D;2023;150101;1;t;prodotto;MI\n;{vat};D;2023;150101;2;t;prodotto;MI\n"
        answer = upload(client, auth, MUD, body)
        assert_problem(answer, 422)
        assert answer.json()["rows"][0]["line"] == 3
        assert counts(engine) == before  # the firm it would have created is gone too

    def test_unknown_and_missing_columns_are_named(self, client, auth):
        answer = upload(client, auth, REGISTER, "partita_iva;denominazione;colore\n")
        assert_problem(answer, 422)
        assert "colore" in answer.json()["detail"] and "codice_ateco" in answer.json()["detail"]
        assert {("colore", "unknown column"), ("provincia", "required column missing")} <= {
            (r["column"], r["reason"]) for r in answer.json()["rows"]}

    def test_an_upload_over_the_limit_is_413(self, client, auth, settings):
        body = MUD_HEADER + "x" * (settings.upload_max_bytes + 10)
        assert_problem(upload(client, auth, MUD, body), 413)

    def test_only_the_administrator_imports(self, client, auth):
        body = (DATA / "mud_sample.csv").read_text()
        assert_problem(upload(client, auth, MUD, body, who="camera@cartesio.example"), 403)
        assert_problem(upload(client, auth, MUD, body, who=None), 401)


class TestCommandLine:
    def _run(self, settings, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "CARTESIO_DATABASE_URL": settings.resolved_database_url,
               "CARTESIO_VAR_DIR": str(settings.var_dir)}
        return subprocess.run([str(Path(sys.executable).parent / "cartesio"), *args], capture_output=True, text=True, env=env,
                              timeout=120, check=False)

    def test_import_and_reimport(self, settings, tmp_path):
        vat = fresh_vat()
        path = tmp_path / "mud.csv"
        path.write_text(MUD_HEADER + f"{vat};;Ditta CLI;2023;150101;1,5;t;prodotto;LC\n")
        first = self._run(settings, "import", "mud", str(path))
        assert first.returncode == 0, first.stderr
        assert "1 new" in first.stdout and "1 organizations created" in first.stdout
        again = self._run(settings, "import", "mud", str(path))
        assert "0 new, 0 changed, 1 unchanged" in again.stdout

    def test_bad_rows_listed_with_line_and_column(self, settings, tmp_path):
        path = tmp_path / "bad.csv"
        path.write_text(MUD_HEADER + "12345678901;;X;2023;150101;1;t;prodotto;MI\n")
        result = self._run(settings, "import", "mud", str(path))
        assert result.returncode == 1
        assert "line 2, column partita_iva" in result.stderr
