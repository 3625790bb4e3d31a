"""
Compiled queries: a QuerySet's SQL built and compiled once per process, then run
again with new values. Public pages run the same few small queries on every
request, and building and compiling them cost three to four times what running
them does (docs/decisions/010-compiled-queries.md).
"""

import sqlite3
import weakref
from datetime import UTC, datetime, timedelta

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX
from django.db.models.query import FlatValuesListIterable, ModelIterable
from django.utils import timezone
from django.utils.asyncio import async_unsafe

_compiled_queries = {}


def compiled_query(model, name, build):
    """The one CompiledQuery of `model` called `name`, made on first use."""
    key = (model, name)
    if key not in _compiled_queries:
        _compiled_queries[key] = CompiledQuery(build)
    return _compiled_queries[key]


class CompiledQuery:
    """A QuerySet's SQL, compiled once per process and run again with new values.

    Building and compiling a QuerySet costs three to four times what running it
    does (about 0.7 ms against 0.2 ms for a public page's small queries, measured
    on this project), and every public page runs several whose SQL never changes,
    only their values. `build(*values, **literals)` returns the QuerySet. It is
    built once per database and shape (the length of each list value, and the
    literals, such as a slice's bounds, which end up in the SQL text) with stand-in
    values, compiled, and each stand-in's place in the parameters noted; a call
    then runs that SQL with its own values. It returns a list: model instances
    (columns the QuerySet leaves out are deferred, as with only()) or, for a flat
    values_list(), the values.

    Values are strings, integers, aware datetimes, or lists of those, each
    compared directly with a column. A call with any other value (None, an empty
    list) runs through the ORM, as does a shape whose SQL Django cannot compile
    with stand-ins; so the results are always what the QuerySet itself returns."""

    def __init__(self, build):
        self.build = build
        self._compiled = {}
        # Converters are the connection's own (its time zone, say): per connection.
        self._converters = weakref.WeakKeyDictionary()

    def __call__(self, *values, using="default", **literals):
        key = self.key(values, literals, using)
        compiled = None if key is None else self.compiled(key, values, literals)
        if compiled is None:
            return list(self.build(*values, **literals))
        sql, native, params, slots, model, init, columns = compiled
        connection = connections[using]
        params = list(params)
        for slot, value in zip(slots, _flatten(values), strict=True):
            params[slot] = _db_value(value, connection.ops)
        rows = _fetch(connection, sql, native, params)
        converters = self.converters(connection, key, columns)
        if converters:
            rows = [_convert(row, converters, connection) for row in rows]
        if model is None:
            return [row[0] for row in rows]
        return [model.from_db(using, init, row) for row in rows]

    def key(self, values, literals, using):
        """The shape of a call, or None when it must run through the ORM."""
        if not all(_bindable(v) for v in _flatten(values)):
            return None
        if any(isinstance(v, list | tuple) and not v for v in values):
            return None
        return (
            using,
            tuple(len(v) if isinstance(v, list | tuple) else None for v in values),
            tuple(sorted(literals.items())),
        )

    def compiled(self, key, values, literals):
        if key not in self._compiled:
            self._compiled[key] = self._compile(values, literals, key[0])
        return self._compiled[key]

    def converters(self, connection, key, columns):
        known = self._converters.setdefault(connection, {})
        if key not in known:
            known[key] = [
                (i, converters, column)
                for i, column in enumerate(columns)
                if (
                    converters := connection.ops.get_db_converters(column)
                    + column.get_db_converters(connection)
                )
            ]
        return known[key]

    def _compile(self, values, literals, using):
        numbers = iter(range(1, 1_000_000))
        stand_ins = [
            [_stand_in(item, next(numbers)) for item in v]
            if isinstance(v, list | tuple)
            else _stand_in(v, next(numbers))
            for v in values
        ]
        queryset = self.build(*stand_ins, **literals)
        flat = queryset._iterable_class is FlatValuesListIterable
        if not (flat or queryset._iterable_class is ModelIterable) or (
            queryset.query.select_related or queryset._prefetch_related_lookups
        ):
            raise TypeError("CompiledQuery runs plain model or flat value queries")
        compiler = queryset.query.get_compiler(using)
        try:
            sql, params = compiler.as_sql()
        except (EmptyResultSet, FullResultSet):
            return None
        if not compiler.col_count or (compiler.annotation_col_map and not flat):
            raise TypeError("CompiledQuery runs plain model or flat value queries")
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        ops = connections[using].ops
        slots = []
        for stand_in in _flatten(stand_ins):
            wanted = _db_value(stand_in, ops)
            found = [
                i
                for i, p in enumerate(params)
                if type(p) is type(wanted) and p == wanted
            ]
            if len(found) != 1:
                return None
            slots.append(found[0])
        native = _native(connections[using], sql)
        if flat:
            return sql, native, tuple(params), slots, None, None, columns
        init = [column.target.attname for column in columns]
        return sql, native, tuple(params), slots, queryset.model, init, columns


def _native(connection, sql):
    """(execute, SQL) to run `sql` on the database driver's own cursor, or None."""
    if connection.vendor == "sqlite":
        # What Django's SQLite cursor does to every statement, done once.
        return sqlite3.Cursor.execute, FORMAT_QMARK_REGEX.sub("?", sql).replace(
            "%%", "%"
        )
    if connection.vendor == "postgresql":
        return _execute, sql
    return None


def _execute(cursor, sql, params):
    return cursor.execute(sql, params)


@async_unsafe
def _fetch(connection, sql, native, params):
    """The rows of one compiled statement. Unless something watches the queries
    (the query log of DEBUG and of tests' query counts, an execute wrapper), on the
    driver's cursor, with the checks and error translation Django's cursor makes:
    its wrapper cost 30 µs of a small query's 40 (issue 6)."""
    if native is None or connection.queries_logged or connection.execute_wrappers:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    execute, native_sql = native
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors:
        cursor = connection.create_cursor()
        try:
            execute(cursor, native_sql, params)
            return cursor.fetchall()
        finally:
            cursor.close()


def _convert(row, converters, connection):
    row = list(row)
    for i, functions, column in converters:
        value = row[i]
        for function in functions:
            value = function(value, column, connection)
        row[i] = value
    return row


def _flatten(values):
    for value in values:
        if isinstance(value, list | tuple):
            yield from value
        else:
            yield value


def _bindable(value):
    if isinstance(value, datetime):
        return timezone.is_aware(value)
    return isinstance(value, str | int) and not isinstance(value, bool)


# Stand-ins: values no real row has, each unique within its query. Integers stay
# inside every backend's integer range, or Django would drop the lookup.
_STAND_IN_TIME = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)


def _stand_in(value, number):
    if isinstance(value, datetime):
        return _STAND_IN_TIME + timedelta(microseconds=number)
    if isinstance(value, str):
        return f"~stand-in-{number}~"
    return 2_000_000_000 + number


def _db_value(value, ops):
    """A value as the ORM passes it to the database for a column of its type."""
    if isinstance(value, datetime):
        return ops.adapt_datetimefield_value(value)
    return value
