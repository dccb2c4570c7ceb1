namespace OnlineMigrations.Engine.Dialects;

/// <summary>What the storage under a database refused, whatever the engine's own error code for it.</summary>
public enum StorageFault
{
    /// <summary>The database (or the file system it is on) cannot be written.</summary>
    ReadOnly,
    /// <summary>No space is left: a full disk, filegroup or transaction log.</summary>
    Full,
    /// <summary>The operating system failed a read or write (SQLite reports a full disk this way when its shared-memory file cannot grow).</summary>
    Io,
}
