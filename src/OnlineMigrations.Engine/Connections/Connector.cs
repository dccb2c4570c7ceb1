using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Connections;

/// <summary>Opens connections to the target database. Errors name the server and database, never a password.</summary>
public static class Connector
{
    public static Session Open(ConnectionOptions options, bool pooled = true, string purpose = "OnlineMigrations")
    {
        var dialect = options.CreateDialect();
        return options.Provider == Provider.Sqlite ? OpenSqlite(options, dialect) : OpenSqlServer(options, dialect, pooled, purpose);
    }

    /// <summary>
    /// The connection string for dbatools-style parameters: a SQL Server instance and database (Windows or
    /// Entra authentication unless a login is given apart), or a SQLite database file. Never holds a secret.
    /// </summary>
    public static string ForInstance(Provider provider, string? instance, string? database, bool integrated, string? encrypt, bool trustServerCertificate)
    {
        if (provider == Provider.Sqlite) return new SqliteConnectionStringBuilder { DataSource = database }.ToString();
        var b = new SqlConnectionStringBuilder { DataSource = instance };
        if (!string.IsNullOrEmpty(database)) b.InitialCatalog = database;
        if (integrated) b.IntegratedSecurity = true;
        if (encrypt is not null) b.Encrypt = SqlConnectionEncryptOption.Parse(encrypt);
        if (trustServerCertificate) b.TrustServerCertificate = true;
        return b.ConnectionString;
    }

    /// <summary>
    /// The SQLite connection string with a relative Data Source made absolute against <paramref name="baseDirectory"/>
    /// (PowerShell's current location, which the process's own directory does not follow). Unreadable ones are returned as
    /// they are, for the connector to refuse with its own message.
    /// </summary>
    public static string ResolveSqlitePath(string connectionString, string baseDirectory)
    {
        try
        {
            var b = new SqliteConnectionStringBuilder(connectionString);
            var source = b.DataSource;
            if (string.IsNullOrEmpty(source) || source == ":memory:" || source.StartsWith("file:", StringComparison.OrdinalIgnoreCase) || Path.IsPathRooted(source))
                return connectionString;
            b.DataSource = Path.GetFullPath(Path.Combine(baseDirectory, source));
            return b.ToString();
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException) { return connectionString; }
    }

    /// <summary>The server and the database of the options, for output objects (Server, Database); never a credential.</summary>
    public static (string Server, string Database) Identify(ConnectionOptions options)
    {
        try
        {
            if (options.Provider == Provider.Sqlite) return (Environment.MachineName, SqliteFile(options) ?? ":memory:");
            var b = new SqlConnectionStringBuilder(options.ConnectionString);
            return (b.DataSource, string.IsNullOrEmpty(b.InitialCatalog) ? "(default)" : b.InitialCatalog);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException) { return ("?", "?"); }
    }

    /// <summary>Server and database of a connection string, for messages; "?" where unreadable.</summary>
    public static string Describe(ConnectionOptions options)
    {
        try
        {
            if (options.Provider == Provider.Sqlite) return $"SQLite database '{new SqliteConnectionStringBuilder(options.ConnectionString).DataSource}'";
            var b = new SqlConnectionStringBuilder(options.ConnectionString);
            return $"server '{b.DataSource}', database '{(string.IsNullOrEmpty(b.InitialCatalog) ? "(default)" : b.InitialCatalog)}'";
        }
        catch (ArgumentException) { return "(unreadable connection string)"; }
        catch (FormatException) { return "(unreadable connection string)"; }
        catch (KeyNotFoundException) { return "(unreadable connection string)"; }
    }

    /// <summary>The SQLite database file, or null for an in-memory database.</summary>
    public static string? SqliteFile(ConnectionOptions options)
    {
        var source = new SqliteConnectionStringBuilder(options.ConnectionString).DataSource;
        return string.IsNullOrEmpty(source) || source == ":memory:" || source.StartsWith("file::memory:", StringComparison.Ordinal) ? null : Path.GetFullPath(source);
    }

    private static Session OpenSqlite(ConnectionOptions options, IDialect dialect)
    {
        SqliteConnectionStringBuilder builder;
        try { builder = new SqliteConnectionStringBuilder(options.ConnectionString); }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            // Microsoft.Data.Sqlite quotes the value it could not read, and a value may be a password:
            // name the keyword only, and keep the original exception (which holds the value) out.
            throw new MigrationException(ErrorIds.InvalidConnection, $"The SQLite connection string is not valid: {UnreadableSqliteKeyword(options.ConnectionString)}.",
                "Write it as 'Data Source=path/to/file.db', with keywords Microsoft.Data.Sqlite knows (Mode, Cache, Pooling, Default Timeout, Foreign Keys, Recursive Triggers).");
        }
        var file = SqliteFile(options);
        if (options.Preview && file is not null && !File.Exists(file))
        {
            // A preview creates nothing: the database it would create is empty, so an empty in-memory one stands in.
            var empty = new SqliteConnection("Data Source=:memory:");
            empty.Open();
            return new Session(empty, dialect, Describe(options));
        }
        var explicitMode = options.ConnectionString.Contains("Mode", StringComparison.OrdinalIgnoreCase);
        if (file is not null && !File.Exists(file) && !explicitMode)
            throw new MigrationException(ErrorIds.ConnectionFailed, $"The SQLite database file '{file}' does not exist.",
                "Check the path. To create a new database, add ';Mode=ReadWriteCreate' to the connection string.") ;
        if (!explicitMode || (options.Preview && builder.Mode == SqliteOpenMode.ReadWriteCreate)) builder.Mode = SqliteOpenMode.ReadWrite;
        builder.Pooling = false;
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            // WAL lets application readers and writers go on while a runner works; the busy timeout
            // makes a writer wait briefly for the single write lock instead of failing at once.
            // Reading the schema makes SQLite open the -wal and -shm files now, so a database that
            // cannot be written is reported here rather than at the first statement.
            // A preview leaves the journal mode as it is: switching to WAL is a change to the file.
            pragma.CommandText = options.Preview ? "PRAGMA busy_timeout = 10000; SELECT COUNT(*) FROM sqlite_master;"
                : "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; SELECT COUNT(*) FROM sqlite_master;";
            pragma.ExecuteNonQuery();
        }
        catch (SqliteException e) when (StorageErrors.Translate(e, Describe(options), file) is { } storage)
        {
            connection.Dispose();
            throw storage;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new MigrationException(ErrorIds.ConnectionFailed, $"Cannot open {Describe(options)}: {e.Message}", "Check the path and that the file is a SQLite database you can write.", e);
        }
        catch (InvalidOperationException e)
        {
            // Microsoft.Data.Sqlite refuses some settings before opening (a Password= without an encryption build): not a raw exception.
            connection.Dispose();
            throw new MigrationException(ErrorIds.InvalidConnection, $"Cannot open {Describe(options)}: {e.Message}", "Remove the setting this SQLite build cannot use (Password= needs an encryption-enabled SQLite) from the connection string.", e);
        }
        return new Session(connection, dialect, Describe(options));
    }

    private static bool LooksLikeFile(string dataSource) =>
        !string.IsNullOrEmpty(dataSource) && (dataSource.Contains('/', StringComparison.Ordinal) || File.Exists(dataSource)
            || dataSource.EndsWith(".db", StringComparison.OrdinalIgnoreCase) || dataSource.EndsWith(".sqlite", StringComparison.OrdinalIgnoreCase) || dataSource.EndsWith(".sqlite3", StringComparison.OrdinalIgnoreCase));

    /// <summary>Which keyword of a SQLite connection string cannot be read, in words that never quote a value.</summary>
    private static string UnreadableSqliteKeyword(string connectionString)
    {
        var generic = new System.Data.Common.DbConnectionStringBuilder();
        try { generic.ConnectionString = connectionString; }
        catch (ArgumentException) { return "it is not a list of keyword=value pairs separated by ';'"; }
        foreach (string keyword in generic.Keys)
        {
            var probe = new SqliteConnectionStringBuilder();
            try { probe[keyword] = generic[keyword]; }
            catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or InvalidCastException or OverflowException)
            {
                return probe.ContainsKey(keyword) ? $"the value of '{keyword}' is not one it accepts" : $"'{keyword}' is not a keyword it knows";
            }
        }
        return "a keyword or value could not be read";
    }

    private static Session OpenSqlServer(ConnectionOptions options, IDialect dialect, bool pooled, string purpose)
    {
        SqlConnectionStringBuilder builder;
        try { builder = new SqlConnectionStringBuilder(options.ConnectionString); }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            // The message of a parse error can quote the connection string: never pass it on.
            throw new MigrationException(ErrorIds.InvalidConnection, "The SQL Server connection string is not valid (a keyword or value could not be read).",
                "Check the connection string's keywords, for example 'Server=host;Database=db;User ID=u;Password=...;Encrypt=true'.");
        }
        if (LooksLikeFile(builder.DataSource))
            throw new MigrationException(ErrorIds.ConnectionFailed, $"'{builder.DataSource}' is a file, not a SQL Server instance: -Provider is SqlServer (the default).",
                "For a SQLite database add -Provider Sqlite; for SQL Server give the server name (Server=host or host,port) in the connection string or -SqlInstance.");
        if (options.Login is not null && (builder.IntegratedSecurity || !string.IsNullOrEmpty(builder.UserID) || !string.IsNullOrEmpty(builder.Password)
                || builder.Authentication != SqlAuthenticationMethod.NotSpecified || options.AccessToken is not null || options.Entra != EntraAuthentication.None))
            throw new MigrationException(ErrorIds.InvalidConnection, "-SqlCredential cannot be combined with User ID, Password, Integrated Security or Authentication in the connection string, nor with -AccessToken or -Authentication.",
                "Give the login one way only: -SqlCredential (Get-Credential), or the connection string's own keywords.");
        if (!pooled) builder.Pooling = false;
        if (string.IsNullOrEmpty(builder.ApplicationName) || builder.ApplicationName == "Core Microsoft SqlClient Data Provider") builder.ApplicationName = purpose;
        var connection = new SqlConnection(builder.ConnectionString);
        if (options.Login is { } login)
        {
            // SqlClient wants a read-only SecureString; the password is never turned into a string.
            var password = login.Password.Copy();
            password.MakeReadOnly();
            connection.Credential = new SqlCredential(login.UserId, password);
        }
        if (options.AccessToken is not null) connection.AccessToken = options.AccessToken;
        else if (options.Entra != EntraAuthentication.None)
            connection.AccessTokenCallback = EntraToken.Callback(EntraToken.Credential(options.Entra, options.EntraClientId));
        try
        {
            connection.Open();
        }
        catch (SqlException e)
        {
            connection.Dispose();
            var permission = e.Number is 18456 or 4060 or 916;
            throw new MigrationException(permission ? ErrorIds.PermissionDenied : ErrorIds.ConnectionFailed,
                $"Cannot connect to {Describe(options)}: {e.Message}",
                permission ? "Check the login, its password or token, and that its user exists in the database (CONNECT permission)."
                           : "Check the server name and port, that the server accepts remote connections, firewalls, and the Encrypt/TrustServerCertificate settings.", e);
        }
        catch (Exception e) when (e is InvalidOperationException or Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException)
        {
            connection.Dispose();
            throw new MigrationException(ErrorIds.ConnectionFailed, $"Cannot connect to {Describe(options)}: {e.Message}",
                "Check the authentication settings: with -AccessToken or an Entra identity, the connection string must not carry User ID, Password or Authentication.", e);
        }
        return new Session(connection, dialect, Describe(options));
    }
}
