// The part of unzipper 0.10 (exceljs's own zip library) that src/register/xlsx-worksheets.ts uses.
declare module "unzipper" {
  import type { Readable } from "node:stream";
  export interface CentralDirectoryFile {
    path: string;
    type: "File" | "Directory";
    stream(password?: string): Readable;
  }
  export interface CentralDirectory {
    files: CentralDirectoryFile[];
  }
  export const Open: {
    file(path: string): Promise<CentralDirectory>;
  };
}
