/** MongoDB clean-up for tests. */
import mongoose from 'mongoose'

/** Drop the database named in `url` (a test's unique database). Ignores a database that is gone. */
export async function dropDatabase(url: string): Promise<void> {
  const conn = mongoose.createConnection(url, { bufferCommands: false, serverSelectionTimeoutMS: 3_000 })
  try {
    await conn.asPromise()
    await conn.dropDatabase()
  } finally {
    await conn.close()
  }
}
