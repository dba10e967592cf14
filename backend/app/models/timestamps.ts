import type { DateTime } from 'luxon'

/** Timestamps leave the API as ISO 8601 in UTC, whatever the server's zone. */
export function isoUtc(value: DateTime | null) {
  return value ? value.toUTC().toISO() : null
}
