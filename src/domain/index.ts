/** Pure domain rules: calendar, periods, cadence policies, daily plan, close-out and escalation. */

export * from "./cadence-defaults";
export * from "./calendar";
export * from "./categories";
export * from "./close-out-period";
export * from "./labels";
export * from "./local-date";
export * from "./periods";
export * from "./plan";
export * from "./plan-inputs";
export * from "./policy";
export * from "./records";
export * from "./schemas";
export * from "./wecom-account";
