/** vitest globalSetup of the "db" project: one migrated database for the run, dropped at the end. */
import type { TestProject } from "vitest/node";
import { createTestDatabase, type TestDatabase } from "./test-database";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

let testDb: TestDatabase | undefined;

export async function setup(project: TestProject) {
  testDb = await createTestDatabase((l) => console.log(`[test-db] ${l}`));
  console.log(`[test-db] using database ${testDb.name}`);
  project.provide("databaseUrl", testDb.url);
}

export async function teardown() {
  await testDb?.drop();
}
