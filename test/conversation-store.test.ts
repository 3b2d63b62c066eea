import { describeConversationStore } from './conversation-store-contract.ts';
import { sqliteUnderTest } from './support/sqlite-under-test.ts';

describeConversationStore('sqlite', sqliteUnderTest);
