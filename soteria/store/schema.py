"""The database schema: append-only migrations and the stored columns."""

from __future__ import annotations

# Each entry migrates from version i to i + 1; append only, never edit a released step.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE areas (
            area_code VARCHAR PRIMARY KEY,
            area_name VARCHAR NOT NULL,
            area_kind VARCHAR NOT NULL CHECK (area_kind IN ('force', 'cps_area')),
            ons_code VARCHAR)""",
        """CREATE TABLE force_cps_area (
            force_code VARCHAR NOT NULL,
            cps_area_code VARCHAR NOT NULL,
            note VARCHAR,
            PRIMARY KEY (force_code, cps_area_code))""",
        """CREATE TABLE pilot_register (
            area_code VARCHAR PRIMARY KEY,
            wave VARCHAR NOT NULL,
            pilot_start DATE NOT NULL,
            is_assumption BOOLEAN NOT NULL,
            source VARCHAR)""",
        """CREATE TABLE pilot_register_changes (
            changed_at TIMESTAMP NOT NULL,
            changed_by VARCHAR NOT NULL,
            area_code VARCHAR NOT NULL,
            old_wave VARCHAR, new_wave VARCHAR,
            old_pilot_start DATE, new_pilot_start DATE)""",
        "CREATE SEQUENCE extract_ids START 1",
        """CREATE TABLE extracts (
            extract_id INTEGER PRIMARY KEY,
            file_name VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            rows BIGINT NOT NULL,
            loaded_at TIMESTAMP NOT NULL,
            loaded_by VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            as_of DATE,
            is_synthetic BOOLEAN NOT NULL DEFAULT false)""",
        """CREATE TABLE metric_values (
            area_code VARCHAR NOT NULL,
            month DATE NOT NULL,
            metric VARCHAR NOT NULL,
            value DOUBLE,
            missing_reason VARCHAR,
            extract_id INTEGER NOT NULL,
            PRIMARY KEY (area_code, month, metric))""",
        # Previous values replaced by a later extract, so that revisions can be shown and undone.
        """CREATE TABLE metric_history (
            area_code VARCHAR NOT NULL,
            month DATE NOT NULL,
            metric VARCHAR NOT NULL,
            value DOUBLE,
            missing_reason VARCHAR,
            extract_id INTEGER NOT NULL,
            superseded_by INTEGER NOT NULL)""",
        # No primary key: an ART index on a million references would dominate load time;
        # uniqueness is enforced by validation and by replacing on case_ref at commit.
        """CREATE TABLE cases (
            case_ref VARCHAR NOT NULL,
            force_code VARCHAR NOT NULL,
            reported_on DATE NOT NULL,
            file_submitted_on DATE,
            closed_on DATE,
            closure_reason VARCHAR,
            as_of DATE NOT NULL,
            extract_id INTEGER NOT NULL)""",
        "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    ],
    # 2: revisions and undo for cases, and what each load was (format, stored original, summary, undo).
    [
        # Cases replaced by a later extract, as they were, so that the extract can be undone.
        """CREATE TABLE case_history (
            case_ref VARCHAR NOT NULL,
            force_code VARCHAR NOT NULL,
            reported_on DATE NOT NULL,
            file_submitted_on DATE,
            closed_on DATE,
            closure_reason VARCHAR,
            as_of DATE NOT NULL,
            extract_id INTEGER NOT NULL,
            superseded_by INTEGER NOT NULL)""",
        """CREATE TABLE extract_details (
            extract_id INTEGER PRIMARY KEY,
            file_format VARCHAR,
            layout VARCHAR,
            sheet VARCHAR,
            size_bytes BIGINT,
            stored_as VARCHAR,
            summary VARCHAR)""",
        # Append-only: who undid which extract, when (the extracts row says status 'undone').
        """CREATE TABLE extract_log (
            extract_id INTEGER NOT NULL,
            action VARCHAR NOT NULL,
            done_at TIMESTAMP NOT NULL,
            done_by VARCHAR NOT NULL,
            detail VARCHAR)""",
    ],
    # 3: who may do what (soteria/auth.py): the role table and its append-only change log.
    [
        """CREATE TABLE user_roles (
            identity VARCHAR PRIMARY KEY,
            role VARCHAR NOT NULL CHECK (role IN ('viewer', 'evaluator', 'admin')),
            granted_by VARCHAR NOT NULL,
            granted_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE role_changes (
            changed_at TIMESTAMP NOT NULL,
            changed_by VARCHAR NOT NULL,
            identity VARCHAR NOT NULL,
            old_role VARCHAR,
            new_role VARCHAR)""",
    ],
    # 4: the value mapping evaluators edit (soteria/ingest/value_map.py; empty = the shipped defaults)
    # and its append-only change log.
    [
        """CREATE TABLE value_map (
            field VARCHAR NOT NULL,
            value VARCHAR NOT NULL,
            maps_to VARCHAR NOT NULL,
            note VARCHAR,
            PRIMARY KEY (field, value))""",
        """CREATE TABLE value_map_changes (
            changed_at TIMESTAMP NOT NULL,
            changed_by VARCHAR NOT NULL,
            field VARCHAR NOT NULL,
            value VARCHAR NOT NULL,
            old_maps_to VARCHAR,
            new_maps_to VARCHAR)""",
    ],
    # 5: source profiles (soteria/ingest/profiles.py): a source's column mapping by name, and the
    # append-only log of each one created, changed or deleted (old/new columns as JSON; null = none).
    [
        """CREATE TABLE source_profiles (
            name VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL CHECK (kind IN ('cases', 'metrics')),
            columns VARCHAR NOT NULL,
            updated_by VARCHAR NOT NULL,
            updated_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE source_profile_changes (
            changed_at TIMESTAMP NOT NULL,
            changed_by VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            old_columns VARCHAR,
            new_columns VARCHAR)""",
    ],
    # 6: who the victim is (optional fields of a case extract; null = the extract did not record it).
    [
        f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR"
        for table in ("cases", "case_history")
        for column in ("victim_sex", "victim_age_band", "victim_ethnicity")
    ],
]


SCHEMA_VERSION = len(MIGRATIONS)


AREA_KINDS = ("force", "cps_area")


METRIC_COLUMNS = ["area_code", "month", "metric", "value", "missing_reason"]


VICTIM_COLUMNS = ["victim_sex", "victim_age_band", "victim_ethnicity"]
CASE_COLUMNS = [
    "case_ref",
    "force_code",
    "reported_on",
    "file_submitted_on",
    "closed_on",
    "closure_reason",
    *VICTIM_COLUMNS,
]


# The data version: the newest extract, how many are loaded, how many register edits. Any load, undo or
# register edit changes it, so the pages' caches hang on it.
VERSION_SQL = """SELECT (SELECT coalesce(max(extract_id), 0) FROM extracts),
                        (SELECT count(*) FROM extracts WHERE status = 'loaded'),
                        (SELECT count(*) FROM pilot_register_changes)"""
