using Microsoft.Data.SqlClient;
using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;

namespace OnlineMigrations.Engine.Dialects;

/// <summary>The SQL Server catalog views, read with the caller's permissions.</summary>
internal sealed class SqlServerCatalog(SqlServerDialect dialect, Session session) : ICatalog
{
    private ServerCapabilities? _capabilities;

    public ServerCapabilities Capabilities => _capabilities ??= ReadCapabilities();

    // sys.indexes names are unique per object_id (IndexNameQuery filters by it).
    public bool IndexNamesPerTable => true;

    internal const string CapabilitiesQuery = """
        SELECT CAST(SERVERPROPERTY('EngineEdition') AS int) AS EngineEdition,
               CAST(SERVERPROPERTY('ProductMajorVersion') AS int) AS MajorVersion,
               CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS Edition,
               CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS ProductVersion,
               CAST(SERVERPROPERTY('Babelfish') AS int) AS Babelfish;
        """;

    /// <summary>Which of the optional catalog views this server has.</summary>
    internal const string CatalogViewsQuery = """
        SELECT name FROM sys.all_objects
        WHERE schema_id = SCHEMA_ID(N'sys') AND name IN (N'dm_sql_referenced_entities', N'stats_columns', N'index_resumable_operations');
        """;

    private ServerCapabilities ReadCapabilities()
    {
        var row = session.Row(CapabilitiesQuery)!;
        var edition = Convert.ToInt32(row[0] ?? 0, System.Globalization.CultureInfo.InvariantCulture);
        var major = Convert.ToInt32(row[1] ?? 0, System.Globalization.CultureInfo.InvariantCulture);
        var babelfish = row[4] is not null && Convert.ToInt32(row[4], System.Globalization.CultureInfo.InvariantCulture) == 1;
        var views = session.Query(CatalogViewsQuery, null, r => r.GetString(0)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var caps = FromServerProperties(edition, major, $"{row[2]} {row[3]}".Trim(), babelfish) with
        {
            ReferencedEntities = views.Contains("dm_sql_referenced_entities"),
            StatsColumns = views.Contains("stats_columns"),
        };
        return caps with { ResumableIndex = caps.ResumableIndex && views.Contains("index_resumable_operations") };
    }

    /// <summary>What each engine edition and version can do online (Microsoft Learn: CREATE INDEX, editions
    /// and features). <paramref name="babelfish"/>: SERVERPROPERTY('Babelfish') = 1, Babelfish for PostgreSQL,
    /// whose documented T-SQL gaps (its README, and shared/tsql-engine/README.md) are language features no
    /// catalog view reveals.</summary>
    public static ServerCapabilities FromServerProperties(int engineEdition, int majorVersion, string product, bool babelfish = false)
    {
        var azure = engineEdition is 5 or 8;             // Azure SQL Database, Azure SQL Managed Instance
        var online = (azure || engineEdition == 3) && !babelfish;   // Enterprise, Developer, Evaluation
        var caps = new ServerCapabilities(product, engineEdition, majorVersion,
            OnlineIndex: online,
            ResumableIndex: online && (azure || majorVersion >= 15),        // resumable CREATE INDEX: SQL Server 2019
            WaitAtLowPriority: online && (azure || majorVersion >= 16));    // WAIT_AT_LOW_PRIORITY on CREATE INDEX: SQL Server 2022
        if (!babelfish) return caps;
        return caps with
        {
            Product = $"Babelfish, {product}",
            TriggerNestLevelOfObject = false,
            Synonyms = false,
            UntrustedConstraints = false,
            AlterColumnNullability = false,
            RenameIndex = false,
            DropDefaultConstraints = false,
            ReferencedEntities = false,
            ExpressionDependencies = false,
            StatsColumns = false,
            IndexNamesAsDeclared = false,
            IndexFilters = false,
            PermissionFunctions = false,
        };
    }

    private StringComparer? _names;

    // Identifiers compare by the database's collation: case-sensitive only under a _CS_ or binary one.
    public StringComparer Names => _names ??= ComparerFor(ReadCollation());

    internal const string CollationQuery = "SELECT CONVERT(nvarchar(128), DATABASEPROPERTYEX(DB_NAME(), 'Collation'));";

    private string? ReadCollation()
    {
        try { return session.Scalar<string?>(CollationQuery); }
        catch (SqlException) { return null; } // the usual case-insensitive default
    }

    public static StringComparer ComparerFor(string? collation) =>
        collation is not null && (collation.Contains("_CS", StringComparison.OrdinalIgnoreCase) || collation.EndsWith("_BIN", StringComparison.OrdinalIgnoreCase)
                                  || collation.EndsWith("_BIN2", StringComparison.OrdinalIgnoreCase))
            ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;

    internal const string ExpressionsQuery = """
        SELECT N'computed column', c.name, c.definition FROM sys.computed_columns AS c WHERE c.object_id = OBJECT_ID(@name)
        UNION ALL
        SELECT N'check constraint', cc.name, cc.definition FROM sys.check_constraints AS cc WHERE cc.parent_object_id = OBJECT_ID(@name);
        """;

    public IReadOnlyList<string> ColumnBlockers(QualifiedName table, string column, IReadOnlySet<string> ignoreObjects) =>
        ColumnChecks.CoveringIndexes(this, table, column, ignoreObjects)
            .Concat(Indexes(table).Where(i => i.Filter is not null && !ignoreObjects.Contains(i.Name) && SqlText.Mentions(i.Filter, column, Names)
                                              && !i.Columns.Contains(column, Names) && !i.Include.Contains(column, Names))
                .Select(i => $"the filtered index {i.Name} (WHERE {i.Filter})"))
            .Concat(session.Query(ExpressionsQuery, new { name = Name(table) }, r => (Kind: r.GetString(0), Object: r.GetString(1), Definition: r.IsDBNull(2) ? "" : r.GetString(2)))
            .Where(x => !ignoreObjects.Contains(x.Object) && !Names.Equals(x.Object, column) && SqlText.Mentions(x.Definition, column, Names))
            .Select(x => $"the {x.Kind} {x.Object} ({x.Definition})")).ToList();

    private string Name(QualifiedName t) => dialect.Table(t);

    internal const string TableExistsQuery = "SELECT CASE WHEN OBJECT_ID(@name, N'U') IS NULL THEN 0 ELSE 1 END;";

    public bool TableExists(QualifiedName table) => session.Scalar<int>(TableExistsQuery, new { name = Name(table) }) == 1;

    internal const string ObjectExistsQuery = "SELECT CASE WHEN OBJECT_ID(@name) IS NULL THEN 0 ELSE 1 END;";

    public bool ObjectExists(QualifiedName name) => session.Scalar<int>(ObjectExistsQuery, new { name = Name(name) }) == 1;

    internal const string IndexNameQuery = "SELECT name FROM sys.indexes WHERE object_id = OBJECT_ID(@table) AND name = @name;";

    // Where sys.indexes reports internal names, the declared names Indexes() recovers are compared instead.
    public string? IndexNameHolder(QualifiedName table, string name) => Capabilities.IndexNamesAsDeclared
        ? session.Query(IndexNameQuery, new { table = Name(table), name }, r => $"index {r.GetString(0)} on {table}").FirstOrDefault()
        : Indexes(table).Where(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase)).Select(i => $"index {i.Name} on {table}").FirstOrDefault();

    internal const string ObjectNameQuery = """
        SELECT o.type_desc, o.name, OBJECT_SCHEMA_NAME(o.parent_object_id), OBJECT_NAME(o.parent_object_id)
        FROM sys.objects AS o WHERE o.schema_id = SCHEMA_ID(@schema) AND o.name = @name;
        """;

    // Constraints and triggers are objects of their schema: one name, whichever table they belong to.
    public string? ObjectNameHolder(QualifiedName name) =>
        session.Query(ObjectNameQuery, new { schema = name.Schema, name = name.Name },
            r => $"{r.GetString(0).ToLowerInvariant().Replace('_', ' ')} {r.GetString(1)}" + (r.IsDBNull(3) ? "" : $" on {r.GetString(2)}.{r.GetString(3)}")).FirstOrDefault();

    internal const string ColumnsQuery = """
        SELECT c.name, TYPE_NAME(c.user_type_id), c.max_length, c.precision, c.scale, c.is_nullable, c.collation_name,
               dc.definition, c.is_identity, c.is_computed
        FROM sys.columns AS c
        LEFT JOIN sys.default_constraints AS dc ON dc.object_id = c.default_object_id
        WHERE c.object_id = OBJECT_ID(@name)
        ORDER BY c.column_id;
        """;

    public IReadOnlyList<ColumnInfo> Columns(QualifiedName table) =>
        session.Query(ColumnsQuery, new { name = Name(table) }, r => new ColumnInfo(
            Name: r.GetString(0),
            Type: TypeText(r.GetString(1), r.GetInt16(2), r.GetByte(3), r.GetByte(4)),
            Nullable: r.GetBoolean(5),
            Collation: r.IsDBNull(6) ? null : r.GetString(6),
            Default: r.IsDBNull(7) ? null : Unwrap(r.GetString(7)),
            Identity: r.GetBoolean(8),
            Computed: r.GetBoolean(9)));

    /// <summary>The type as it is written in DDL, from sys.columns' parts.</summary>
    public static string TypeText(string type, short maxLength, byte precision, byte scale) => type switch
    {
        "nvarchar" or "nchar" => $"{type}({(maxLength == -1 ? "max" : (maxLength / 2).ToString(System.Globalization.CultureInfo.InvariantCulture))})",
        "varchar" or "char" or "varbinary" or "binary" => $"{type}({(maxLength == -1 ? "max" : maxLength.ToString(System.Globalization.CultureInfo.InvariantCulture))})",
        "decimal" or "numeric" => $"{type}({precision}, {scale})",
        "datetime2" or "time" or "datetimeoffset" => $"{type}({scale})",
        "float" => $"float({(precision == 24 ? 24 : 53)})",
        _ => type,
    };

    // sys.default_constraints wraps definitions in parentheses: ((0)) → (0), which ColumnSql wraps again.
    private static string Unwrap(string definition) =>
        definition.Length >= 2 && definition[0] == '(' && definition[^1] == ')' ? definition[1..^1] : definition;

    internal const string KeyQuery = """
        SELECT c.name
        FROM sys.index_columns AS ic
        INNER JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
        WHERE ic.object_id = OBJECT_ID(@name) AND ic.key_ordinal > 0
          AND ic.index_id = (SELECT TOP (1) i.index_id FROM sys.indexes AS i
                             WHERE i.object_id = OBJECT_ID(@name) AND (i.is_primary_key = 1 OR (i.is_unique = 1 AND i.type = 1))
                               -- a unique index lets one row hold NULL in a key column: a keyset walk never reaches it
                               AND NOT EXISTS (SELECT 1 FROM sys.index_columns AS nic
                                               INNER JOIN sys.columns AS nc ON nc.object_id = nic.object_id AND nc.column_id = nic.column_id
                                               WHERE nic.object_id = i.object_id AND nic.index_id = i.index_id AND nic.key_ordinal > 0 AND nc.is_nullable = 1)
                             ORDER BY i.is_primary_key DESC)
        ORDER BY ic.key_ordinal;
        """;

    public IReadOnlyList<string> KeyColumns(QualifiedName table) => session.Query(KeyQuery, new { name = Name(table) }, r => r.GetString(0));

    internal const string NullableKeyQuery = """
        SELECT TOP (1) i.name, STUFF((SELECT N', ' + c.name FROM sys.index_columns AS ic
                                      INNER JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
                                      WHERE ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.key_ordinal > 0 AND c.is_nullable = 1
                                      ORDER BY ic.key_ordinal FOR XML PATH('')), 1, 2, N'')
        FROM sys.indexes AS i
        WHERE i.object_id = OBJECT_ID(@name) AND i.is_unique = 1 AND i.type = 1;
        """;

    public string? UnusableKey(QualifiedName table)
    {
        var row = session.Query(NullableKeyQuery, new { name = Name(table) }, r => (Index: r.GetString(0), Columns: r.IsDBNull(1) ? "" : r.GetString(1))).FirstOrDefault();
        return row.Index is null || row.Columns.Length == 0 ? null
            : $"its unique clustered index {row.Index} allows NULL in {row.Columns}, and a walk in key order never reaches a row whose key is NULL";
    }

    internal const string IndexesQuery = """
        SELECT i.name, i.is_unique, i.is_primary_key, i.is_unique_constraint, i.filter_definition, c.name, ic.is_included_column
        FROM sys.indexes AS i
        INNER JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
        INNER JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
        WHERE i.object_id = OBJECT_ID(@name) AND i.type IN (1, 2) AND i.is_hypothetical = 0
        ORDER BY i.index_id, ic.is_included_column, ic.key_ordinal, ic.index_column_id;
        """;

    public IReadOnlyList<IndexInfo> Indexes(QualifiedName table)
    {
        var rows = session.Query(IndexesQuery, new { name = Name(table) }, r => (
            Name: r.GetString(0), Unique: r.GetBoolean(1), Pk: r.GetBoolean(2), Uq: r.GetBoolean(3),
            Filter: r.IsDBNull(4) ? null : r.GetString(4), Column: r.GetString(5), Included: r.GetBoolean(6)));
        var caps = Capabilities;
        return rows.GroupBy(r => r.Name).Select(g =>
        {
            var name = caps.IndexNamesAsDeclared ? g.Key : DeclaredIndexName(g.Key, table.Name);
            var filter = g.First().Filter is { } f ? Unwrap(f) : caps.IndexFilters ? null : UnreportedFilter(g.Key);
            return new IndexInfo(name, g.First().Unique, g.First().Pk, g.First().Uq,
                g.Where(x => !x.Included).Select(x => x.Column).ToList(), g.Where(x => x.Included).Select(x => x.Column).ToList(), filter);
        }).ToList();
    }

    /// <summary>The declared (lower-cased) name of an index that the catalog reports with the table's name
    /// and a 32-digit hash appended (Babelfish: index names are unique per schema there, not per table).
    /// The name and the table's name together are cut to <see cref="ReportedPrefixBytes"/> bytes (PostgreSQL's
    /// 63-byte identifiers less the hash), so the table's name may be cut short or missing: an index name
    /// that long alone comes back cut.</summary>
    internal static string DeclaredIndexName(string reported, string table)
    {
        var suffix = System.Text.RegularExpressions.Regex.Match(reported, "[0-9a-f]{32}$");
        if (!suffix.Success) return reported;
        var rest = reported[..suffix.Index];
        if (rest.EndsWith(table, StringComparison.OrdinalIgnoreCase) && rest.Length > table.Length) return rest[..^table.Length];
        if (System.Text.Encoding.UTF8.GetByteCount(rest) < ReportedPrefixBytes - 3) return reported;
        // Cut short: the longest end of rest that begins the table's name is that cut name.
        for (var n = Math.Min(table.Length - 1, rest.Length - 1); n > 0; n--)
            if (rest.EndsWith(table[..n], StringComparison.OrdinalIgnoreCase)) return rest[..^n];
        return rest;
    }

    /// <summary>How many bytes of the declared index name and the table's name Babelfish keeps before the hash.</summary>
    internal const int ReportedPrefixBytes = 31;

    /// <summary>The start of the name Babelfish reports for index <paramref name="name"/> on <paramref name="table"/>:
    /// name and table name lower-cased, together cut to <see cref="ReportedPrefixBytes"/> bytes on a character boundary.</summary>
    internal static string ReportedIndexPrefix(string name, string table)
    {
        var whole = (name + table).ToLowerInvariant();
        int length = 0, bytes = 0;
        foreach (var rune in whole.EnumerateRunes())
        {
            if ((bytes += rune.Utf8SequenceLength) > ReportedPrefixBytes) break;
            length += rune.Utf16SequenceLength;
        }
        return whole[..length];
    }

    // A server whose sys.indexes does not report filters: a filtered index copied to a new column without
    // its filter would enforce more than it did, so the filter is marked as unknown and no step copies it.
    internal const string UnknownFilter = "<filter unknown>";
    private string? UnreportedFilter(string reportedName) =>
        session.Scalar<int>(UnreportedFilterQuery, new { index = reportedName }) == 1 ? UnknownFilter : null;

    // Babelfish keeps the index definition in PostgreSQL's own catalog, which it serves over TDS too.
    private const string UnreportedFilterQuery = """
        SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_indexes WHERE indexname = @index AND indexdef LIKE N'% WHERE %') THEN 1 ELSE 0 END;
        """;

    internal const string TriggersQuery = "SELECT name FROM sys.triggers WHERE parent_id = OBJECT_ID(@name) ORDER BY name;";

    public IReadOnlyList<string> Triggers(QualifiedName table) => session.Query(TriggersQuery, new { name = Name(table) }, r => r.GetString(0));

    internal const string FeaturesQuery = """
        SELECT t.temporal_type, t.is_tracked_by_cdc, t.is_replicated, t.is_merge_published, t.is_memory_optimized,
               CASE WHEN EXISTS (SELECT 1 FROM sys.change_tracking_tables AS ct WHERE ct.object_id = t.object_id) THEN 1 ELSE 0 END
        FROM sys.tables AS t
        WHERE t.object_id = OBJECT_ID(@name);
        """;

    public IReadOnlyList<(bool Refuse, string Reason)> TableFeatures(QualifiedName table)
    {
        var row = session.Row(FeaturesQuery, new { name = Name(table) });
        if (row is null) return [];
        var found = new List<(bool, string)>();
        if (Convert.ToInt32(row[0], System.Globalization.CultureInfo.InvariantCulture) != 0)
            found.Add((true, $"{table} is a system-versioned temporal table (or its history table): its history would record every backfilled row, and contract cannot drop columns while system versioning is on. Turn SYSTEM_VERSIONING off for the change, or migrate it by hand."));
        if (Convert.ToBoolean(row[1], System.Globalization.CultureInfo.InvariantCulture))
            found.Add((false, $"{table} is tracked by change data capture: its capture instance does not pick up new columns, and the backfill writes every row into the change tables. Create a new capture instance after expand and drop the old one after contract."));
        if (Convert.ToBoolean(row[2], System.Globalization.CultureInfo.InvariantCulture) || Convert.ToBoolean(row[3], System.Globalization.CultureInfo.InvariantCulture))
            found.Add((true, $"{table} is published for replication: schema changes and the backfill's writes replicate to every subscriber, and sync triggers fire there too. Change it through the publication instead."));
        if (Convert.ToBoolean(row[4], System.Globalization.CultureInfo.InvariantCulture))
            found.Add((true, $"{table} is memory-optimized: ALTER TABLE on it rebuilds the table offline, and it cannot carry the sync triggers this method needs."));
        if (Convert.ToInt32(row[5], System.Globalization.CultureInfo.InvariantCulture) != 0)
            found.Add((false, $"{table} has change tracking on: the backfill's writes show up as changes to every row for its consumers."));
        return found;
    }

    internal const string PermissionQuery = "SELECT HAS_PERMS_BY_NAME(DB_NAME(), N'DATABASE', N'VIEW DEFINITION');";

    internal const string ModulesQuery = """
        SELECT DISTINCT QUOTENAME(OBJECT_SCHEMA_NAME(d.referencing_id)) + N'.' + QUOTENAME(OBJECT_NAME(d.referencing_id)) AS name, o.type_desc
        FROM sys.sql_expression_dependencies AS d
        INNER JOIN sys.objects AS o ON o.object_id = d.referencing_id
        WHERE d.referenced_id = OBJECT_ID(@name) AND d.referencing_class = 1 AND d.referencing_minor_id = 0
          AND o.type IN ('V', 'P', 'FN', 'IF', 'TF', 'TR'); -- modules; constraints and computed columns: ColumnObjectsQuery
        """;

    internal const string ReferencedColumnsQuery = """
        SELECT referenced_minor_name FROM sys.dm_sql_referenced_entities(@module, N'OBJECT')
        WHERE referenced_id = OBJECT_ID(@name) AND referenced_minor_name IS NOT NULL;
        """;

    internal const string ColumnObjectsQuery = """
        SELECT N'computed column ' + c.name FROM sys.computed_columns AS c
        INNER JOIN sys.sql_expression_dependencies AS d ON d.referencing_id = c.object_id AND d.referencing_minor_id = c.column_id
        WHERE c.object_id = OBJECT_ID(@name) AND d.referenced_id = OBJECT_ID(@name) AND d.referenced_minor_id = COLUMNPROPERTY(OBJECT_ID(@name), @column, 'ColumnId')
        UNION ALL
        SELECT N'check constraint ' + cc.name FROM sys.check_constraints AS cc
        WHERE cc.parent_object_id = OBJECT_ID(@name)
          AND (cc.parent_column_id = COLUMNPROPERTY(OBJECT_ID(@name), @column, 'ColumnId')
               OR EXISTS (SELECT 1 FROM sys.sql_expression_dependencies AS d WHERE d.referencing_id = cc.object_id AND d.referenced_minor_id = COLUMNPROPERTY(OBJECT_ID(@name), @column, 'ColumnId')))
        UNION ALL
        SELECT DISTINCT CASE WHEN i.is_primary_key = 1 THEN N'primary key ' ELSE N'index ' END + i.name FROM sys.indexes AS i
        INNER JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
        WHERE i.object_id = OBJECT_ID(@name) AND ic.column_id = COLUMNPROPERTY(OBJECT_ID(@name), @column, 'ColumnId')
        UNION ALL
        SELECT DISTINCT N'statistics ' + s.name FROM sys.stats AS s
        INNER JOIN sys.stats_columns AS sc ON sc.object_id = s.object_id AND sc.stats_id = s.stats_id
        WHERE s.object_id = OBJECT_ID(@name) AND s.user_created = 1 AND sc.column_id = COLUMNPROPERTY(OBJECT_ID(@name), @column, 'ColumnId')
        UNION ALL
        SELECT DISTINCT N'foreign key ' + fk.name FROM sys.foreign_keys AS fk
        INNER JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id
        WHERE (fkc.parent_object_id = OBJECT_ID(@name) AND fkc.parent_column_id = COLUMNPROPERTY(OBJECT_ID(@name), @column, 'ColumnId'))
           OR (fkc.referenced_object_id = OBJECT_ID(@name) AND fkc.referenced_column_id = COLUMNPROPERTY(OBJECT_ID(@name), @column, 'ColumnId'));
        """;

    internal const string TableObjectsQuery = """
        SELECT N'foreign key ' + fk.name + N' of ' + QUOTENAME(OBJECT_SCHEMA_NAME(fk.parent_object_id)) + N'.' + QUOTENAME(OBJECT_NAME(fk.parent_object_id))
        FROM sys.foreign_keys AS fk
        WHERE fk.referenced_object_id = OBJECT_ID(@name) AND fk.parent_object_id <> OBJECT_ID(@name)
        UNION ALL
        SELECT N'synonym ' + QUOTENAME(SCHEMA_NAME(s.schema_id)) + N'.' + QUOTENAME(s.name)
        FROM sys.synonyms AS s
        WHERE OBJECT_ID(s.base_object_name) = OBJECT_ID(@name);
        """;

    // Where HAS_PERMS_BY_NAME cannot be trusted (it answers 0 for sysadmin on some T-SQL engines), a
    // member of sysadmin or db_owner is known to see every definition; anyone else is refused as unknown.
    internal const string MembershipQuery = "SELECT CASE WHEN IS_SRVROLEMEMBER(N'sysadmin') = 1 OR IS_MEMBER(N'db_owner') = 1 THEN 1 ELSE 0 END;";

    // Without sys.sql_expression_dependencies (kept empty by some T-SQL engines) the modules are found by
    // their text: every module whose definition names the table (and the column) as a word. That can name
    // a module that does not depend on it, never miss one that names it (dynamic SQL aside, as on SQL Server).
    internal const string ModuleTextQuery = """
        SELECT QUOTENAME(OBJECT_SCHEMA_NAME(m.object_id)) + N'.' + QUOTENAME(OBJECT_NAME(m.object_id)) AS name, o.type_desc, m.definition
        FROM sys.sql_modules AS m
        INNER JOIN sys.objects AS o ON o.object_id = m.object_id
        WHERE o.type IN ('V', 'P', 'FN', 'IF', 'TF', 'TR') AND m.definition IS NOT NULL;
        """;

    internal const string ColumnTextObjectsQuery = """
        SELECT N'computed column ' + c.name AS what, c.definition FROM sys.computed_columns AS c WHERE c.object_id = OBJECT_ID(@name)
        UNION ALL
        SELECT N'check constraint ' + cc.name, cc.definition FROM sys.check_constraints AS cc WHERE cc.parent_object_id = OBJECT_ID(@name);
        """;

    internal static bool NamesWord(string text, string name) =>
        System.Text.RegularExpressions.Regex.IsMatch(text, $@"(?<![\w@#$]){System.Text.RegularExpressions.Regex.Escape(name)}(?![\w@#$])",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public IReadOnlyList<string> Dependents(DroppedObject dropped, IReadOnlySet<string> ignoreObjects)
    {
        var caps = Capabilities;
        if (!caps.ExpressionDependencies || !caps.ReferencedEntities || !caps.StatsColumns) return DependentsByText(dropped, ignoreObjects);
        if (session.Scalar<int>(PermissionQuery) != 1)
            throw new MigrationException(ErrorIds.PermissionDenied,
                $"Cannot see which modules depend on {dropped}: the login lacks VIEW DEFINITION in this database, so views, procedures and functions that use it are invisible.",
                "GRANT VIEW DEFINITION TO <the login's user>; (or run the check as a user who has it).");
        var name = Name(dropped.Table);
        var found = new List<string>();
        if (dropped.Index is not null) return found;

        foreach (var (module, type) in session.Query(ModulesQuery, new { name }, r => (r.GetString(0), r.GetString(1))))
        {
            if (IsIgnored(module, ignoreObjects)) continue;
            var what = $"{type.ToLowerInvariant().Replace('_', ' ')} {module}";
            if (dropped.Column is null) { found.Add(what); continue; }
            // Modules that are not schema-bound record no column dependencies: ask the module itself.
            try
            {
                var columns = session.Query(ReferencedColumnsQuery, new { module, name }, r => r.GetString(0));
                if (columns.Contains(dropped.Column, StringComparer.OrdinalIgnoreCase)) found.Add(what);
            }
            catch (SqlException e)
            {
                found.Add($"{what} (its references could not be resolved: {e.Message.Split('\n')[0]}; check it by hand)");
            }
        }
        var objects = dropped.Column is null
            ? session.Query(TableObjectsQuery, new { name }, r => r.GetString(0))
            : session.Query(ColumnObjectsQuery, new { name, column = dropped.Column }, r => r.GetString(0));
        found.AddRange(objects.Where(o => !IsIgnored(o[(o.LastIndexOf(' ') + 1)..], ignoreObjects)));
        return found.Distinct().ToList();
    }

    private List<string> DependentsByText(DroppedObject dropped, IReadOnlySet<string> ignoreObjects)
    {
        var permitted = session.Scalar<int>(Capabilities.PermissionFunctions ? PermissionQuery : MembershipQuery) == 1;
        if (!permitted)
            throw new MigrationException(ErrorIds.PermissionDenied,
                $"Cannot see which modules depend on {dropped}: on this server ({Capabilities.Product}) only members of sysadmin or db_owner are known to see every module's definition.",
                "Run the check as a member of db_owner (or sysadmin).");
        var found = new List<string>();
        if (dropped.Index is not null) return found;
        var name = Name(dropped.Table);
        foreach (var (module, type, definition) in session.Query(ModuleTextQuery, null, r => (r.GetString(0), r.GetString(1), r.GetString(2))))
        {
            if (IsIgnored(module, ignoreObjects) || !NamesWord(definition, dropped.Table.Name)) continue;
            if (dropped.Column is not null && !NamesWord(definition, dropped.Column)) continue;
            found.Add($"{type.ToLowerInvariant().Replace('_', ' ')} {module}");
        }
        if (dropped.Column is null)
        {
            found.AddRange(session.Query(TableForeignKeysQuery, new { name }, r => r.GetString(0)));
            return found.Distinct().ToList();
        }
        foreach (var (what, definition) in session.Query(ColumnTextObjectsQuery, new { name }, r => (r.GetString(0), r.IsDBNull(1) ? "" : r.GetString(1))))
            if (NamesWord(definition, dropped.Column)) found.Add(what);
        found.AddRange(session.Query(ColumnKeysQuery, new { name, column = dropped.Column }, r => r.GetString(0))
            .Select(what => Capabilities.IndexNamesAsDeclared || !what.StartsWith("index ", StringComparison.Ordinal) ? what
                : "index " + DeclaredIndexName(what["index ".Length..], dropped.Table.Name)));
        return found.Where(o => !IsIgnored(o[(o.LastIndexOf(' ') + 1)..], ignoreObjects)).Distinct().ToList();
    }

    internal const string TableForeignKeysQuery = """
        SELECT N'foreign key ' + fk.name + N' of ' + QUOTENAME(OBJECT_SCHEMA_NAME(fk.parent_object_id)) + N'.' + QUOTENAME(OBJECT_NAME(fk.parent_object_id))
        FROM sys.foreign_keys AS fk
        WHERE fk.referenced_object_id = OBJECT_ID(@name) AND fk.parent_object_id <> OBJECT_ID(@name);
        """;

    internal const string ColumnKeysQuery = """
        SELECT DISTINCT CASE WHEN i.is_primary_key = 1 THEN N'primary key ' ELSE N'index ' END + i.name FROM sys.indexes AS i
        INNER JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
        WHERE i.object_id = OBJECT_ID(@name) AND ic.column_id = COLUMNPROPERTY(OBJECT_ID(@name), @column, 'ColumnId')
        UNION ALL
        SELECT DISTINCT N'foreign key ' + fk.name FROM sys.foreign_keys AS fk
        INNER JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id
        WHERE (fkc.parent_object_id = OBJECT_ID(@name) AND fkc.parent_column_id = COLUMNPROPERTY(OBJECT_ID(@name), @column, 'ColumnId'))
           OR (fkc.referenced_object_id = OBJECT_ID(@name) AND fkc.referenced_column_id = COLUMNPROPERTY(OBJECT_ID(@name), @column, 'ColumnId'));
        """;

    private static bool IsIgnored(string qualified, IReadOnlySet<string> ignore)
    {
        var local = qualified[(qualified.LastIndexOf('.') + 1)..].Trim('[', ']');
        return ignore.Contains(local) || ignore.Contains(qualified);
    }
}
