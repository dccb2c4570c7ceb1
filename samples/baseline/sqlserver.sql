-- The compute inventory as release 1 of the inventory service left it (SQL Server).
-- The tests replace [dbo] with a schema of their own.
CREATE TABLE [dbo].[Instances] (
    [Id] bigint NOT NULL CONSTRAINT [PK_Instances] PRIMARY KEY,
    [Name] nvarchar(64) NOT NULL,
    [Host] nvarchar(255) NULL,
    [MemoryMb] int NULL,
    [Location] varchar(16) NULL,
    [Status] varchar(16) NOT NULL CONSTRAINT [DF_Instances_Status] DEFAULT ('ACTIVE')
);
CREATE INDEX [IX_Instances_Host] ON [dbo].[Instances] ([Host]);
CREATE TABLE [dbo].[LegacyQuotas] (
    [ProjectId] int NOT NULL CONSTRAINT [PK_LegacyQuotas] PRIMARY KEY,
    [Instances] int NOT NULL
);
