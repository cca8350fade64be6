export * from "./callback-sender";
export * from "./wecom-emulator";
