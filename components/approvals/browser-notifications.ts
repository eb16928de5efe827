"use client";

import { useCallback, useEffect, useState } from "react";

/**
 * Browser notifications for new pending approvals: off until the person turns them on with a button
 * (the browser's permission prompt is never shown on load). The choice is kept in localStorage; the
 * toggle and the navigation's poller hear of changes through a window event (this tab) and the storage
 * event (other tabs).
 */
const STORAGE_KEY = "longhaul.browserNotifications";
const CHANGED = "longhaul:browser-notifications";

export type NotificationSetting = {
  /** The browser has the Notification API (and this is a secure context). */
  isSupported: boolean;
  /** The browser's permission for this site. */
  permission: NotificationPermission;
  /** The person turned them on here, and the browser allows them. */
  isOn: boolean;
};

function read(): NotificationSetting {
  const isSupported = typeof window !== "undefined" && "Notification" in window && window.isSecureContext !== false;
  if (!isSupported) return { isSupported, permission: "default", isOn: false };
  const permission = Notification.permission;
  let chosen = false;
  try {
    chosen = window.localStorage.getItem(STORAGE_KEY) === "on";
  } catch {
    chosen = false;
  }
  return { isSupported, permission, isOn: chosen && permission === "granted" };
}

function write(value: "on" | "off") {
  try {
    window.localStorage.setItem(STORAGE_KEY, value);
  } catch {
    // Private windows may refuse storage: the choice then lasts for this page only.
  }
  window.dispatchEvent(new Event(CHANGED));
}

export function useNotificationSetting() {
  const [setting, setSetting] = useState<NotificationSetting>({ isSupported: false, permission: "default", isOn: false });
  useEffect(() => {
    const refresh = () => setSetting(read());
    refresh();
    window.addEventListener(CHANGED, refresh);
    window.addEventListener("storage", refresh);
    return () => {
      window.removeEventListener(CHANGED, refresh);
      window.removeEventListener("storage", refresh);
    };
  }, []);
  const turnOn = useCallback(async () => {
    const permission = Notification.permission === "granted" ? "granted" : await Notification.requestPermission();
    write(permission === "granted" ? "on" : "off");
    return permission;
  }, []);
  const turnOff = useCallback(() => write("off"), []);
  return { ...setting, turnOn, turnOff };
}
