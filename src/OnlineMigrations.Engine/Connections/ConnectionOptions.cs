using OnlineMigrations.Engine.Dialects;

namespace OnlineMigrations.Engine.Connections;

/// <summary>How Entra ID tokens are obtained for SQL Server when no password or static token is given.</summary>
public enum EntraAuthentication
{
    /// <summary>Use the connection string as it is (SQL or integrated authentication).</summary>
    None,
    /// <summary>The default Azure credential chain (environment, workload identity, managed identity, Azure CLI, ...).</summary>
    Default,
    /// <summary>The managed identity of the Azure resource (runbooks, VMs); a user-assigned one by its client id.</summary>
    ManagedIdentity,
    /// <summary>Workload identity federation (Azure DevOps service connections, Kubernetes).</summary>
    WorkloadIdentity,
    /// <summary>The account signed in to the Azure CLI (az login), as in AzureCLI@2 pipeline tasks.</summary>
    AzureCli,
}

/// <summary>A SQL login given apart from the connection string (PowerShell's PSCredential): SqlClient receives it as a SqlCredential, never as text.</summary>
public sealed record SqlLogin(string UserId, System.Security.SecureString Password)
{
    public override string ToString() => UserId;
}

/// <summary>Everything needed to reach the target database. Never printed: it may hold a password.</summary>
public sealed class ConnectionOptions
{
    public required string ConnectionString { get; init; }
    public Provider Provider { get; init; } = Provider.SqlServer;
    /// <summary>A static Entra ID access token (SQL Server only).</summary>
    public string? AccessToken { get; init; }
    public EntraAuthentication Entra { get; init; } = EntraAuthentication.None;
    /// <summary>Client id of a user-assigned managed identity.</summary>
    public string? EntraClientId { get; init; }
    public string StoreSchema { get; init; } = SqlServerStoreSql.DefaultSchema;
    /// <summary>A SQL login to authenticate with (SQL Server only), kept out of the connection string.</summary>
    public SqlLogin? Login { get; init; }
    /// <summary>A preview (-WhatIf, -Script): a missing SQLite file is not created (an empty in-memory database stands in) and an existing one is not switched to WAL.</summary>
    public bool Preview { get; init; }
    /// <summary>The SQL lock timeout of each DDL statement.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>How long to wait for another runner on the same database.</summary>
    public TimeSpan RunnerTimeout { get; init; } = TimeSpan.Zero;
    /// <summary>How many times a step that hit a lock timeout or deadlock is retried.</summary>
    public int MaxRetries { get; init; } = 5;

    public IDialect CreateDialect() => Provider == Provider.Sqlite ? SqliteDialect.Instance : new SqlServerDialect(StoreSchema);
}
