import type { Migration } from './migration.ts';

/** The same on both backends: which process is processing a file (see VectorStoreStore.recoverInterrupted). */
const FILE_INSTANCE: Migration = {
  version: 2,
  description: 'the instance processing a file, so that a crash leaves no file in progress',
  sql: `
    ALTER TABLE vector_store_files ADD COLUMN instance TEXT;
    CREATE INDEX vector_store_files_unfinished ON vector_store_files (status) WHERE status = 'in_progress';
  `,
};

/**
 * Vector stores on SQLite: stores, their files, file batches, and the files' chunks with an
 * FTS5 index (porter stemming) kept in step by triggers. `seq` gives creation order for paging;
 * a file's `instance` is the process that processes it (see VectorStoreStore.recoverInterrupted).
 */
export const VECTOR_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'vector stores, their files, file batches and chunks with full-text search',
    sql: `
      CREATE TABLE vector_stores (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_active_at INTEGER,
        metadata_json TEXT NOT NULL,
        expires_after_days INTEGER,
        expires_at INTEGER
      ) STRICT;
      CREATE INDEX vector_stores_by_owner ON vector_stores (owner, seq);
      CREATE TABLE vector_store_files (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        vector_store_id TEXT NOT NULL REFERENCES vector_stores (id) ON DELETE CASCADE,
        file_id TEXT NOT NULL,
        filename TEXT NOT NULL,
        batch_id TEXT,
        created_at INTEGER NOT NULL,
        status TEXT NOT NULL,
        last_error_json TEXT,
        attributes_json TEXT,
        chunking_json TEXT NOT NULL,
        usage_bytes INTEGER NOT NULL DEFAULT 0,
        embedding_model TEXT,
        UNIQUE (vector_store_id, file_id)
      ) STRICT;
      CREATE INDEX vector_store_files_by_batch ON vector_store_files (batch_id) WHERE batch_id IS NOT NULL;
      CREATE TABLE vector_store_file_batches (
        id TEXT PRIMARY KEY,
        vector_store_id TEXT NOT NULL REFERENCES vector_stores (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        cancelled INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE TABLE vector_store_chunks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        vector_store_id TEXT NOT NULL,
        file_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
        embedding BLOB,
        FOREIGN KEY (vector_store_id, file_id)
          REFERENCES vector_store_files (vector_store_id, file_id) ON DELETE CASCADE
      ) STRICT;
      CREATE INDEX vector_store_chunks_by_file ON vector_store_chunks (vector_store_id, file_id, position);
      CREATE VIRTUAL TABLE vector_store_chunks_fts USING fts5 (
        text, content = 'vector_store_chunks', content_rowid = 'id', tokenize = 'porter unicode61'
      );
      CREATE TRIGGER vector_store_chunks_indexed AFTER INSERT ON vector_store_chunks BEGIN
        INSERT INTO vector_store_chunks_fts (rowid, text) VALUES (new.id, new.text);
      END;
      CREATE TRIGGER vector_store_chunks_unindexed AFTER DELETE ON vector_store_chunks BEGIN
        INSERT INTO vector_store_chunks_fts (vector_store_chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
      END;
    `,
  },
  FILE_INSTANCE,
];

/** The same tables on PostgreSQL, with a generated tsvector (english) under a GIN index. */
export const POSTGRES_VECTOR_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'vector stores, their files, file batches and chunks with full-text search',
    sql: `
      CREATE TABLE vector_stores (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_active_at BIGINT,
        metadata_json TEXT NOT NULL,
        expires_after_days INTEGER,
        expires_at BIGINT
      );
      CREATE INDEX vector_stores_by_owner ON vector_stores (owner, seq);
      CREATE TABLE vector_store_files (
        seq BIGSERIAL PRIMARY KEY,
        vector_store_id TEXT NOT NULL REFERENCES vector_stores (id) ON DELETE CASCADE,
        file_id TEXT NOT NULL,
        filename TEXT NOT NULL,
        batch_id TEXT,
        created_at BIGINT NOT NULL,
        status TEXT NOT NULL,
        last_error_json TEXT,
        attributes_json TEXT,
        chunking_json TEXT NOT NULL,
        usage_bytes BIGINT NOT NULL DEFAULT 0,
        embedding_model TEXT,
        UNIQUE (vector_store_id, file_id)
      );
      CREATE INDEX vector_store_files_by_batch ON vector_store_files (batch_id) WHERE batch_id IS NOT NULL;
      CREATE TABLE vector_store_file_batches (
        id TEXT PRIMARY KEY,
        vector_store_id TEXT NOT NULL REFERENCES vector_stores (id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        cancelled BOOLEAN NOT NULL DEFAULT false
      );
      CREATE TABLE vector_store_chunks (
        id BIGSERIAL PRIMARY KEY,
        vector_store_id TEXT NOT NULL,
        file_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
        embedding BYTEA,
        search_vector TSVECTOR GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
        FOREIGN KEY (vector_store_id, file_id)
          REFERENCES vector_store_files (vector_store_id, file_id) ON DELETE CASCADE
      );
      CREATE INDEX vector_store_chunks_by_file ON vector_store_chunks (vector_store_id, file_id, position);
      CREATE INDEX vector_store_chunks_search ON vector_store_chunks USING GIN (search_vector);
    `,
  },
  FILE_INSTANCE,
];
