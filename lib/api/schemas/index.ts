/**
 * zod schemas of /api/v1, one module per area: accounts (sign-up, teams, members, keys), common, models,
 * jobs, worker, admin. `@/lib/api/schemas` re-exports the accounts module; import the others by path.
 */
export * from "./accounts";
