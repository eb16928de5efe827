import { expect, type Browser, type Page } from "@playwright/test";

/**
 * People in end-to-end tests, as a person does it in the browser: sign up, invite someone by link who
 * signs up in a browser of their own and joins, and photographs of a page at 1366 px in light mode and
 * on a phone in dark mode.
 */
export const PASSWORD = "long-enough-password-7";
export const SHOTS = "tests/e2e/screenshots";

/** Signs up a new person from /sign-up; they land on their (empty) agents list. */
export async function signUp(page: Page, name: string, email: string) {
  await page.goto("/sign-up");
  await fillSignUp(page, name, email);
  await expect(page).toHaveURL(/\/agents$/);
}

async function fillSignUp(page: Page, name: string, email: string) {
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
}

/**
 * The signed-in `page` invites `email` with `role` from the Team page; that person opens the link in a
 * browser context of their own, creates an account and accepts. Returns their page (close its context when done).
 */
export async function inviteAndJoin(
  page: Page,
  browser: Browser,
  baseURL: string,
  { role, name, email }: { role: "member" | "viewer" | "admin"; name: string; email: string },
) {
  await page.goto("/team");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption(role);
  await page.getByRole("button", { name: "Create invitation link" }).click();
  const link = await page.getByTestId("invite-link").inputValue();
  const context = await browser.newContext({ baseURL });
  const guest = await context.newPage();
  await guest.goto(link);
  await guest.getByRole("link", { name: "Create an account" }).click();
  await fillSignUp(guest, name, email);
  await expect(guest).toHaveURL(/\/invite\//);
  await guest.getByRole("button", { name: /^Accept/ }).click();
  await expect(guest).toHaveURL(/\/agents$/);
  return guest;
}

/** `<name>.png` at 1366 × 900 in light mode and `<name>-dark-phone.png` at 390 × 844 in dark mode, once toasts have faded. */
export async function photograph(page: Page, name: string) {
  await expect(page.locator("[data-sonner-toast]")).toHaveCount(0, { timeout: 15_000 });
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true, animations: "disabled" });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SHOTS}/${name}-dark-phone.png`, fullPage: true, animations: "disabled" });
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1366, height: 900 });
}

/** On the agent form: the built-in tools in `keep` on, every other one off (by their labels). */
export async function keepOnlyTools(page: Page, keep: string[]) {
  for (const label of ["Search memory", "Remember", "Update world state", "HTTP GET", "Send message", "Ask a person", "Finish"]) {
    const box = page.getByRole("checkbox", { name: new RegExp(`^${label}`) });
    if ((await box.count()) === 0) continue;
    if (keep.includes(label)) await box.check();
    else await box.uncheck();
  }
}
