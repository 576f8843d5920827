// Oracle: the table of SPEC §5 (hit conditions), row by row.
import { strict as assert } from 'node:assert';
import { parseHitCondition, isHitConditionError, formatWindow } from '../../src/dbgf/hitCondition';

const INF = Infinity;

describe('dbgf hit-condition grammar (SPEC §5)', () => {
  const accepted: Array<[string, number, number, number]> = [
    // row 1: 5, ==5, =5 → 5..5
    ['5', 5, 5, 0],
    ['==5', 5, 5, 0],
    ['=5', 5, 5, 0],
    // row 2: >=5 → 5..∞
    ['>=5', 5, INF, 0],
    // row 3: >5 → 6..∞
    ['>5', 6, INF, 0],
    // row 4: <=5 → 1..5
    ['<=5', 1, 5, 0],
    // row 5: <5 → 1..4
    ['<5', 1, 4, 0],
    // row 6: 5..8 or 5-8 → 5..8
    ['5..8', 5, 8, 0],
    ['5-8', 5, 8, 0],
    // row 7: %3 → 3..∞ every 3rd
    ['%3', 3, INF, 3],
    // whitespace around operators, 0x-hex numbers
    ['  == 5 ', 5, 5, 0],
    ['>= 0x10', 16, INF, 0],
    ['> 0x5', 6, INF, 0],
    ['<= 5', 1, 5, 0],
    ['< 5', 1, 4, 0],
    ['5 .. 8', 5, 8, 0],
    ['0x5 - 0x8', 5, 8, 0],
    ['% 3', 3, INF, 3],
    ['0X0A', 10, 10, 0],
    ['7..7', 7, 7, 0],
    ['<2', 1, 1, 0],
    ['>=0', 1, INF, 0],
    ['', 1, INF, 0],
  ];
  for (const [text, trigger, disable, period] of accepted) {
    it(`'${text}' → trigger ${trigger}, disable ${disable}, period ${period}`, () => {
      const r = parseHitCondition(text);
      assert.ok(!isHitConditionError(r), JSON.stringify(r));
      assert.deepEqual(r, { trigger, disable, period });
    });
  }

  // row 8: anything else, ==0, <1, 8..5 → unverified, message says what is accepted
  const refused = ['==0', '0', '<1', '<0', '<=0', '8..5', '8-5', '%0', 'abc', '5x', '>>5', '==', '5..', '..5', '-5', '5.5', '0x', '1e3', '==5 6', '99999999999999999999'];
  for (const text of refused) {
    it(`'${text}' is refused with the accepted forms`, () => {
      const r = parseHitCondition(text);
      assert.ok(isHitConditionError(r), `accepted ${JSON.stringify(r)}`);
      assert.match(r.error, /^invalid hit condition/);
      assert.match(r.error, /==N/);
      assert.match(r.error, /N\.\.M/);
      assert.match(r.error, /%N/);
      assert.doesNotMatch(r.error, /\n/);
    });
  }

  it('formats windows as bl shows them', () => {
    assert.equal(formatWindow({ trigger: 5, disable: 5, period: 0 }), '5');
    assert.equal(formatWindow({ trigger: 5, disable: 8, period: 0 }), '5..8');
    assert.equal(formatWindow({ trigger: 1, disable: INF, period: 0 }), '1..∞');
    assert.equal(formatWindow({ trigger: 3, disable: INF, period: 3 }), '3..∞ %3');
  });
});
