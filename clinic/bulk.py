"""
Plain multi-row INSERTs for the importer's bulk writes (docs/decisions/012).

`QuerySet.bulk_create()` prepares every value on its own (`pre_save()`,
`get_db_prep_save()`, a placeholder and its parameters): about a third of the CPU
the importer's writing process spent on a first import. `insert()` sends the same
values with that work done once per field: a `str` for a text field and an `int`
for an integer field or foreign key go as they are, which is what Django would send
for them; every other value still goes through its field's own `pre_save()` and
`get_db_prep_save()`. The statements run through Django's cursor (query logging and
counting see them) and work on SQLite and PostgreSQL, which both return the new
primary keys from a multi-row INSERT. Like bulk_create, it sends no signals.
"""

from django.db import connections, models, router, transaction

# Fields whose pre_save() is the attribute and whose get_db_prep_save() sends a
# value of this type as it is (text: any str, as to_python() keeps it; integers: an
# int exactly, not a bool or an enum) on both databases.
_PASS_THROUGH = {
    models.CharField: str,
    models.TextField: str,
    models.SlugField: str,
    models.URLField: str,
    models.IntegerField: int,
    models.SmallIntegerField: int,
    models.BigIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.ForeignKey: int,
}


def _converter(field, connection):
    """A function giving what bulk_create would send for `field` of an object."""

    def prepared(obj):
        value = field.get_db_prep_save(field.pre_save(obj, True), connection)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"insert() takes plain values, not {value!r} ({field})")
        return value

    attname = field.attname
    kind = _PASS_THROUGH.get(type(field))
    if kind is int and field.is_relation:
        # A foreign key sends what its target field sends: plain for integer keys.
        kind = int if isinstance(field.target_field, models.IntegerField) else None
    if kind is not None:

        def plain(obj):
            value = getattr(obj, attname)
            if value is None or (
                isinstance(value, str) if kind is str else type(value) is int
            ):
                return value
            return prepared(obj)

        return plain
    if type(field) in (models.DateTimeField, models.DateField) and not (
        field.auto_now or field.auto_now_add
    ):
        # The rows of one insert mostly share one time (the import's): converted once.
        last = [None, None]

        def moment(obj):
            value = getattr(obj, attname)
            if value is None:
                return None
            if value is not last[0]:
                last[:] = value, prepared(obj)
            return last[1]

        return moment
    return prepared


def insert(objs, returning=True):
    """Insert new instances of one model, as `bulk_create(objs)` would: the same
    values, primary keys set (unless `returning` is false: rows nothing refers to
    again), no signals. Returns `objs`."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    opts = model._meta
    using = router.db_for_write(model)
    connection = connections[using]
    if (
        opts.parents
        or not isinstance(opts.pk, models.AutoField)
        or not connection.features.can_return_rows_from_bulk_insert
    ):
        return model._default_manager.using(using).bulk_create(objs)
    fields = [f for f in opts.concrete_fields if not f.generated and f is not opts.pk]
    converters = [_converter(f, connection) for f in fields]
    rows = []
    for obj in objs:
        if type(obj) is not model or obj.pk is not None:
            raise ValueError(f"insert() takes new {model.__name__} rows only")
        # Foreign keys to rows saved after the object was made (bulk_create's check).
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        rows.append([convert(obj) for convert in converters])

    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    head = f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES "
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with (
        transaction.atomic(using=using, savepoint=False),
        connection.cursor() as cursor,
    ):
        if not returning:
            cursor.executemany(head + row, rows)
        else:
            size = max(connection.ops.bulk_batch_size(fields, objs), 1)
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                cursor.execute(
                    head
                    + ", ".join([row] * len(chunk))
                    + f" RETURNING {quote(opts.pk.column)}",
                    [value for values in chunk for value in values],
                )
                # Keys are handed out in the order of the rows; sorted, they do not
                # depend on the order RETURNING lists them in.
                keys = sorted(key for (key,) in cursor.fetchall())
                for obj, key in zip(objs[start : start + size], keys, strict=True):
                    setattr(obj, opts.pk.attname, key)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return objs
