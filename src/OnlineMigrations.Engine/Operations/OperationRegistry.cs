using OnlineMigrations.Engine.Files;

namespace OnlineMigrations.Engine.Operations;

/// <summary>Every operation a migration file may name. Adding one: a new file with the class, and one line here.</summary>
public static class OperationRegistry
{
    public static readonly IReadOnlyDictionary<string, Func<FieldReader, Operation?>> Readers = new Dictionary<string, Func<FieldReader, Operation?>>(StringComparer.Ordinal)
    {
        ["createTable"] = CreateTable.Read,
        ["addColumn"] = AddColumn.Read,
        ["renameColumn"] = RenameColumn.Read,
        ["alterColumn"] = AlterColumn.Read,
        ["dropColumn"] = DropColumn.Read,
        ["dropIndex"] = DropIndex.Read,
        ["dropTable"] = DropTable.Read,
        ["renameTable"] = RenameTable.Read,
        ["createIndex"] = CreateIndex.Read,
        ["addForeignKey"] = AddForeignKey.Read,
        ["addCheckConstraint"] = AddCheckConstraint.Read,
        ["addUniqueConstraint"] = AddUniqueConstraint.Read,
        ["trackObjectVersion"] = TrackObjectVersion.Read,
        ["sql"] = SqlOperation.Read,
    };
}
