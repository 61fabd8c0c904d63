/** What Parlor keeps in an express-session session. */
declare module 'express-session' {
  interface SessionData {
    userId: number;
    username: string;
  }
}
export {};
