import { stat } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RecommendationStore } from '../store/store.js';
import { openMongoStore } from '../store/store-mongo.js';
import { openSqliteStore, SQLITE_FILE_NAME } from '../store/store-sqlite.js';
import type { StoreLocation } from './cli-args.js';

/** The store named on the command line is missing or is not a store: a usage error, said in one line. */
export class StoreLocationError extends Error {}

/**
 * Opens the store `clinical-rules impact` replays. A data folder must hold a
 * clinical store already: a typo in the path must say so, not create an
 * empty database there. Opening migrates an older file in place (as the
 * service does on start), so its decisions without facts count as not
 * replayable instead of failing the run.
 */
export async function openStoreAt(location: StoreLocation): Promise<RecommendationStore> {
  if (location.kind === 'mongodb') {
    try {
      return await openMongoStore(location.uri);
    } catch (err) {
      throw new StoreLocationError(`cannot open the MongoDB store: ${(err as Error).message}`);
    }
  }
  const { dataDir } = location;
  const info = await stat(dataDir).catch(() => undefined);
  if (info === undefined) throw new StoreLocationError(`no such data folder: ${dataDir}`);
  if (!info.isDirectory()) throw new StoreLocationError(`${dataDir} is not a folder (--data-dir takes the folder that holds ${SQLITE_FILE_NAME})`);
  const file = path.join(dataDir, SQLITE_FILE_NAME);
  if ((await stat(file).catch(() => undefined))?.isFile() !== true) throw new StoreLocationError(`${dataDir} is not a store: it holds no ${SQLITE_FILE_NAME}`);
  assertClinicalStore(file);
  return openSqliteStore({ dataDir });
}

function assertClinicalStore(file: string): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'recommendations'").get();
    if (table === undefined) throw new StoreLocationError(`${file} is not a clinical store: it has no recommendations`);
  } catch (err) {
    if (err instanceof StoreLocationError) throw err;
    throw new StoreLocationError(`${file} is not a clinical store (${(err as { code?: string }).code ?? 'unreadable'})`);
  } finally {
    db?.close();
  }
}
