System.Console.WriteLine("physis");
