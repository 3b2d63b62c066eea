// The PostgreSQL run needs PostgreSQL at 127.0.0.1:5432 (PORTICO_TEST_DATABASE_URL).
import { describePromptStore } from './prompt-store-contract.ts';
import { postgresUnderTest } from './support/postgres-under-test.ts';
import { sqliteUnderTest } from './support/sqlite-under-test.ts';

describePromptStore('sqlite', sqliteUnderTest);
describePromptStore('postgres', postgresUnderTest);
