namespace OnlineMigrations.Engine.Model;

/// <summary>
/// An output object that names the database it describes, so results of many targets can be grouped
/// and exported (Group-Object Server, Export-Csv). Never a credential: the server and the database only.
/// </summary>
public interface IOnDatabase
{
    /// <summary>The SQL Server instance (as given), or for SQLite the machine that holds the file.</summary>
    string? Server { get; set; }
    /// <summary>The database name, or for SQLite the full path of the database file.</summary>
    string? Database { get; set; }
}
