/** What the console's overview says runs on a reader: every session of a kiosk, by its bay. */
import { describe, expect, it } from 'vitest';
import { readerSessions } from '../../console/src/format';

describe('the sessions the overview lists on a reader', () => {
  it.each([
    ['a kiosk charging two bays: both, by label', { activeSessionId: 's-2', sessionsByConnector: { 'CP-A#1': 's-1', 'CP-B#1': 's-2' }, connectors: [{ stationId: 'CP-A', connectorId: 1, label: 'Bay A' }, { stationId: 'CP-B', connectorId: 1, label: 'Bay B' }] }, [{ sessionId: 's-1', connector: 'Bay A' }, { sessionId: 's-2', connector: 'Bay B' }]],
    ['a reader without labels: station and connector', { activeSessionId: 's-1', sessionsByConnector: { 'CP-A#2': 's-1' } }, [{ sessionId: 's-1', connector: 'CP-A / 2' }]],
    ['a record from before kiosks: its one session', { activeSessionId: 's-old' }, [{ sessionId: 's-old' }]],
    ['an idle reader: none', { sessionsByConnector: {} }, []],
  ])('%s', (_case, reader, expected) => {
    expect(readerSessions(reader)).toEqual(expected);
  });
});
