/** Pacing and retries of the userid check, through the real client against the emulator. */
import { checkWecomUserids } from "../../src/register/check-wecom-userids";
import { startEmulator } from "../wecom/fixtures/emulator-setup";

const cadre = (id: number, userid: string, mobile: string | null = null) => ({
  id,
  name: `干部${id}`,
  userid,
  mobile,
});

it("paces the calls, waits and retries a rate-limited answer, and gives up after the retries", async () => {
  const env = await startEmulator({
    members: [
      { userid: "a", name: "甲" },
      { userid: "b", name: "乙" },
    ],
  });
  try {
    const client = env.client();
    const waits: number[] = [];
    const options = {
      getMember: (u: string) => client.getMember(u),
      sleep: async (ms: number) => {
        waits.push(ms);
      },
      intervalMs: 50,
      retryDelaysMs: [1000, 3000],
    };
    // 45009 (frequency limit) once for "b": one pause of 1 s, then the answer.
    await client.getAccessToken();
    env.emulator.injectFault({ api: "user/get", errcode: 45009 });
    const first = await checkWecomUserids(
      [cadre(1, "b"), cadre(2, "pending:139"), cadre(3, "ghost")],
      options,
    );
    expect(first.map((r) => r.verdict)).toEqual(["ok", "placeholder", "unknown"]);
    expect(first[0]?.detail).toBe("乙");
    // 1 s retry pause for b, then one 50 ms gap before ghost (the placeholder is never asked).
    expect(waits).toEqual([1000, 50]);

    waits.length = 0;
    env.emulator.injectFault({ api: "user/get", errcode: -1, times: 3 });
    const busy = await checkWecomUserids([cadre(1, "a"), cadre(2, "b")], options);
    expect(busy.map((r) => r.verdict)).toEqual(["error", "ok"]);
    expect(waits).toEqual([1000, 3000, 50]);
  } finally {
    await env.close();
  }
});
