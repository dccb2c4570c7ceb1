-- The compute inventory as release 1 of the inventory service left it (SQLite).
CREATE TABLE [Instances] (
    [Id] INTEGER NOT NULL PRIMARY KEY,
    [Name] nvarchar(64) NOT NULL,
    [Host] nvarchar(255) NULL,
    [MemoryMb] int NULL,
    [Location] varchar(16) NULL,
    [Status] varchar(16) NOT NULL DEFAULT ('ACTIVE')
);
CREATE INDEX [IX_Instances_Host] ON [Instances] ([Host]);
CREATE TABLE [LegacyQuotas] (
    [ProjectId] int NOT NULL PRIMARY KEY,
    [Instances] int NOT NULL
);
