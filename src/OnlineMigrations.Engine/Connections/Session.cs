using System.Data;
using System.Data.Common;
using System.Reflection;

namespace OnlineMigrations.Engine.Connections;

/// <summary>
/// An open connection to the target database with its dialect and, while one is open, the current
/// transaction. Small and direct: run SQL with parameters from an anonymous object or a dictionary.
/// </summary>
public sealed class Session(DbConnection connection, Dialects.IDialect dialect, string target) : IDisposable
{
    public DbConnection Connection { get; } = connection;
    public Dialects.IDialect Dialect { get; } = dialect;
    /// <summary>Server and database (never credentials), for messages.</summary>
    public string Target { get; } = target;
    public DbTransaction? Transaction { get; private set; }
    /// <summary>Seconds a command may run; 0 waits indefinitely.</summary>
    public int CommandTimeout { get; set; } = 300;

    /// <summary>
    /// Bounds how long the statements of one step wait for a lock. SQL Server does this in SQL (SET
    /// LOCK_TIMEOUT, from the dialect); Microsoft.Data.Sqlite retries a busy database until the command
    /// timeout (and BEGIN until the connection's default timeout), so there both are shortened for the
    /// step (whole seconds, at least one) and restored afterwards.
    /// </summary>
    public IDisposable LimitLockWait(TimeSpan lockTimeout)
    {
        if (Connection is not Microsoft.Data.Sqlite.SqliteConnection sqlite) return NoLimit.Instance;
        var (command, begin) = (CommandTimeout, sqlite.DefaultTimeout);
        var seconds = (int)Math.Clamp(Math.Ceiling(lockTimeout.TotalSeconds), 1, int.MaxValue);
        CommandTimeout = seconds;
        sqlite.DefaultTimeout = seconds;
        return new Restore(() => { CommandTimeout = command; sqlite.DefaultTimeout = begin; });
    }

    private sealed class NoLimit : IDisposable
    {
        public static readonly NoLimit Instance = new();
        public void Dispose() { }
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    /// <summary>Opens the connection again after it was lost. SQL Server: the pool is cleared first, so a
    /// dead physical connection (after a failover or a KILL) is never handed back.</summary>
    public void Reconnect()
    {
        Transaction = null;
        Connection.Close();
        if (Connection is Microsoft.Data.SqlClient.SqlConnection sql) Microsoft.Data.SqlClient.SqlConnection.ClearPool(sql);
        Connection.Open();
    }

    public void Begin(IsolationLevel level = IsolationLevel.ReadCommitted)
    {
        if (Transaction is not null) throw new InvalidOperationException("A transaction is already open on this session.");
        Transaction = Connection.BeginTransaction(level);
    }

    public void Commit() { Transaction?.Commit(); Transaction?.Dispose(); Transaction = null; }

    public void Rollback()
    {
        if (Transaction is null) return;
        try { Transaction.Rollback(); }
        catch (Exception) { /* the server may already have rolled it back (XACT_ABORT) */ }
        Transaction.Dispose();
        Transaction = null;
    }

    /// <summary>Runs <paramref name="work"/> in a transaction, committing when it returns.</summary>
    public T InTransaction<T>(Func<T> work)
    {
        Begin();
        try { var result = work(); Commit(); return result; }
        catch { Rollback(); throw; }
    }

    public void InTransaction(Action work) => InTransaction(() => { work(); return 0; });

    public DbCommand Command(string sql, object? parameters = null)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = Transaction;
        command.CommandTimeout = CommandTimeout;
        AddParameters(command, parameters);
        return command;
    }

    public int Execute(string sql, object? parameters = null)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteNonQuery();
    }

    public T Scalar<T>(string sql, object? parameters = null) => Read(() =>
    {
        using var command = Command(sql, parameters);
        var value = command.ExecuteScalar();
        return Convert<T>(value);
    });

    public List<T> Query<T>(string sql, object? parameters, Func<DbDataReader, T> map) => Read(() =>
    {
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var list = new List<T>();
        while (reader.Read()) list.Add(map(reader));
        return list;
    });

    /// <summary>Reads the first row as raw values, or null when there is none.</summary>
    public object?[]? Row(string sql, object? parameters = null) => Read(() =>
    {
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        var values = new object?[reader.FieldCount];
        for (var i = 0; i < values.Length; i++) values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
        return values;
    });

    // A read outside a transaction that met a lock timeout, a deadlock, or a catalog object another session dropped at
    // that very moment (a T-SQL engine's "could not open relation with OID") is read again: it changed nothing.
    // Steps retry their own errors (StepRunner); inside a transaction the caller decides.
    private T Read<T>(Func<T> read)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return read(); }
            catch (DbException e) when (Transaction is null && attempt < 3 && Dialect.IsRetryable(e)) { Thread.Sleep(50 * attempt); }
        }
    }

    internal static T Convert<T>(object? value)
    {
        if (value is null || value is DBNull) return default!;
        if (value is T t) return t;
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)System.Convert.ChangeType(value, target, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void AddParameters(DbCommand command, object? parameters)
    {
        if (parameters is null) return;
        IEnumerable<KeyValuePair<string, object?>> pairs = parameters is IEnumerable<KeyValuePair<string, object?>> dict
            ? dict
            : parameters.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => new KeyValuePair<string, object?>(p.Name, p.GetValue(parameters)));
        foreach (var (name, value) in pairs)
        {
            var p = command.CreateParameter();
            p.ParameterName = name.StartsWith('@') ? name : "@" + name;
            p.Value = value ?? DBNull.Value;
            if (value is string s) { p.DbType = DbType.String; p.Size = s.Length <= 4000 ? 4000 : -1; }
            else if (value is AnsiText a) { p.Value = a.Text; p.DbType = DbType.AnsiString; p.Size = a.Text.Length <= 8000 ? 8000 : -1; }
            // SqlClient sends an untyped DateTime as datetime (1/300 s): store timestamps (datetime2(3)) and
            // datetime2 key values of a backfill checkpoint would come back rounded. datetime2 keeps them exact.
            else if (value is DateTime && command is Microsoft.Data.SqlClient.SqlCommand) p.DbType = DbType.DateTime2;
            command.Parameters.Add(p);
        }
    }

    public void Dispose()
    {
        Rollback();
        Connection.Dispose();
    }
}

/// <summary>A string value to be bound as varchar rather than nvarchar (see KeyParameters).</summary>
public sealed record AnsiText(string Text);
